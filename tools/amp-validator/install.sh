#!/usr/bin/env bash
# Installs the official AMP validator for offline use into .cache/amp-validator/.
#
# The amphtml-validator CLI/Node API downloads validator_wasm.js from the AMP CDN on every run
# unless it is given a local copy. CI and developer machines only reach the package registries,
# so the same validator_wasm.js is taken from a pinned npm package that vendors it (Next.js
# ships it for its AMP support) and passed explicitly via --validator_js / getInstance(path).
#
# Idempotent: a stamp records the pinned versions; a second run with the same pins does nothing.
set -euo pipefail

VALIDATOR_VERSION="1.0.38"
NEXT_VERSION="15.5.29"
WASM_IN_TARBALL="package/dist/compiled/amphtml-validator/validator_wasm.js"

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
DEST=".cache/amp-validator"
STAMP="$DEST/.installed"
WANT="amphtml-validator@$VALIDATOR_VERSION next@$NEXT_VERSION"

smoke_test() {
    # A minimal valid AMP page; proves the CLI runs against the local validator_wasm.js.
    local page
    page="$(mktemp "${TMPDIR:-/tmp}/amp-smoke.XXXXXX")"
    cat >"$page" <<'HTML'
<!doctype html>
<html ⚡ lang="en">
<head>
<meta charset="utf-8">
<script async src="https://cdn.ampproject.org/v0.js"></script>
<title>smoke</title>
<link rel="canonical" href="https://example.org/">
<meta name="viewport" content="width=device-width">
<style amp-boilerplate>body{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both;-moz-animation:-amp-start 8s steps(1,end) 0s 1 normal both;-ms-animation:-amp-start 8s steps(1,end) 0s 1 normal both;animation:-amp-start 8s steps(1,end) 0s 1 normal both}@-webkit-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}@-moz-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}@-ms-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}@-o-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}@keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}</style><noscript><style amp-boilerplate>body{-webkit-animation:none;-moz-animation:none;-ms-animation:none;animation:none}</style></noscript>
</head>
<body><p>ok</p></body>
</html>
HTML
    local rc=0
    node "$DEST/node_modules/amphtml-validator/cli.js" \
        --validator_js "$DEST/validator_wasm.js" --format text "$page" || rc=$?
    rm -f "$page"
    return "$rc"
}

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" \
      && -f "$DEST/validator_wasm.js" \
      && -f "$DEST/node_modules/amphtml-validator/index.js" ]]; then
    echo "amp-validator: already installed ($WANT) in $DEST"
    exit 0
fi

command -v node >/dev/null || { echo "amp-validator: node is required" >&2; exit 1; }
command -v npm >/dev/null || { echo "amp-validator: npm is required" >&2; exit 1; }

rm -f "$STAMP"
mkdir -p "$DEST"

echo "amp-validator: installing amphtml-validator@$VALIDATOR_VERSION"
npm install --prefix "$DEST" --no-audit --no-fund --ignore-scripts --save-exact \
    "amphtml-validator@$VALIDATOR_VERSION"

echo "amp-validator: extracting validator_wasm.js from next@$NEXT_VERSION"
work="$(mktemp -d "${TMPDIR:-/tmp}/amp-validator.XXXXXX")"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "next@$NEXT_VERSION" >/dev/null)
tarball="$work/next-$NEXT_VERSION.tgz"
[[ -f "$tarball" ]] || { echo "amp-validator: npm pack produced no $tarball" >&2; exit 1; }
tar -xzf "$tarball" -C "$work" "$WASM_IN_TARBALL"
rm -f "$tarball"
[[ -s "$work/$WASM_IN_TARBALL" ]] || { echo "amp-validator: $WASM_IN_TARBALL missing" >&2; exit 1; }
mv "$work/$WASM_IN_TARBALL" "$DEST/validator_wasm.js.tmp"
mv "$DEST/validator_wasm.js.tmp" "$DEST/validator_wasm.js"

echo "amp-validator: smoke test"
smoke_test

echo "$WANT" >"$STAMP"
echo "amp-validator: installed in $DEST ($(du -sh "$DEST" | cut -f1))"
