// Reads RSS/Atom files with rss-parser (what many Node feed readers use) and prints, per file,
// each item's link, title and contentSnippet (rss-parser's text of the item's HTML) as JSON.
// Usage: node read.js FILE... ; exits 1 when a file cannot be parsed.
"use strict";
const fs = require("fs");
const Parser = require("rss-parser");

async function main() {
  const parser = new Parser();
  const out = {};
  let failed = false;
  for (const file of process.argv.slice(2)) {
    try {
      const feed = await parser.parseString(fs.readFileSync(file, "utf8"));
      out[file] = feed.items.map((item) => ({
        link: item.link || "",
        title: item.title || "",
        content: item.content || "",
        contentSnippet: item.contentSnippet || "",
        summary: item.summary || "",
      }));
    } catch (error) {
      out[file] = { error: String(error) };
      failed = true;
    }
  }
  process.stdout.write(JSON.stringify(out));
  // Not process.exit(): it would cut a piped stdout at 64 KiB before it drained.
  process.exitCode = failed ? 1 : 0;
}

main();
