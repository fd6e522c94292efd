#!/usr/bin/env bash
# Vendors KaTeX and Mermaid from the npm packages pinned in package.json / package-lock.json
# into overrides/assets/vendor/, so that no page asks a third-party host for anything.
# The files are large and reproducible, so they are not committed (see .gitignore).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules/katex ] || [ ! -d node_modules/mermaid ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

out=overrides/assets/vendor
rm -rf "$out"
mkdir -p "$out/katex/contrib" "$out/katex/fonts" "$out/mermaid"
cp node_modules/katex/dist/katex.min.js node_modules/katex/dist/katex.min.css "$out/katex/"
cp node_modules/katex/dist/contrib/auto-render.min.js "$out/katex/contrib/"
cp node_modules/katex/dist/fonts/*.woff2 "$out/katex/fonts/"
cp node_modules/mermaid/dist/mermaid.min.js "$out/mermaid/"
cp node_modules/katex/LICENSE "$out/katex/LICENSE"
cp node_modules/mermaid/LICENSE "$out/mermaid/LICENSE"
echo "vendored KaTeX $(node -p 'require("katex/package.json").version') and Mermaid $(node -p 'require("mermaid/package.json").version') into $out"
