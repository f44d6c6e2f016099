#!/usr/bin/env node
/*
 * mkdocs-material's built-in site search, run in Node for bench/search_quality.py.
 *
 * Usage:  node search.js SITE_DIR/search/search_index.json < queries.json > results.json
 *
 * stdin:  a JSON array of query strings, or {"queries": [...], "suggest": bool, "limit": n}
 *         ("suggest" mirrors the theme feature `search.suggest`, which makes the worker run one
 *         more lunr query per search; "limit" caps the pages reported per query, default 10).
 * stdout: JSON {implementation, versions, build_ms, results: [{query, transformed, pages, ms}]},
 *         where `pages` are the result groups in the order the search box lists them (one per
 *         page: the location of the page, without anchor, plus its best section) and `ms` is the
 *         time of that one search inside Node (no process start-up, no index build).
 *
 * Everything below replicates Material's search worker (mkdocs-material 9.x,
 * src/templates/assets/javascripts/integrations/search/**, read from the source map that ships
 * with the installed theme) with the same lunr.js (2.3.9) and lunr-languages (1.14.0) that it
 * bundles/loads. Only the browser plumbing (web worker messages, importScripts) is replaced.
 */
"use strict"

const fs = require("fs")
const path = require("path")
const { performance } = require("perf_hooks")

const lunr = require("lunr")

/* The worker exposes lunr globally ("or stemmers won't work") and routes warnings to the console;
 * here they go to stderr so stdout stays pure JSON. */
global.lunr = lunr
lunr.utils.warn = (...args) => console.error(...args)

/* --------------------------------------------------------------------------
 * setupSearchLanguages (worker/main): load the same lunr-languages scripts the worker imports
 * from assets/javascripts/lunr/ — stemmer support, one script per non-English language
 * (+ segmenters for ja/hi/th), and lunr.multi when more than one language is configured.
 * ------------------------------------------------------------------------ */
function load(script) {
  const factory = require(`lunr-languages/${script}`)
  if (typeof factory === "function")
    factory(lunr)
}

function setupSearchLanguages(config) {
  const scripts = []
  for (const lang of config.lang) {
    switch (lang) {
      case "ja":
        scripts.push("tinyseg.js")
        break
      case "hi":
      case "th":
        scripts.push("wordcut.js")
        break
    }
    if (lang !== "en")
      scripts.push(`min/lunr.${lang}.min.js`)
  }
  if (config.lang.length > 1)
    scripts.push("min/lunr.multi.min.js")
  if (scripts.length)
    for (const script of ["min/lunr.stemmer.support.min.js", ...scripts])
      load(script)
}

/* --------------------------------------------------------------------------
 * internal/_ : split
 * ------------------------------------------------------------------------ */
function split(input, separator, fn) {
  separator = new RegExp(separator, "g")
  let match
  let index = 0
  do {
    match = separator.exec(input)
    const until = match?.index ?? input.length
    if (index < until)
      fn(index, until)
    if (match) {
      const [term] = match
      index = match.index + term.length
      if (term.length === 0)
        separator.lastIndex = match.index + 1
    }
  } while (match)
}

/* --------------------------------------------------------------------------
 * internal/extract : split a string into markup and text sections
 * ------------------------------------------------------------------------ */
const TAG_OPEN = 0
const TEXT = 1
const TAG_CLOSE = 2

function extract(input, fn) {
  let block = 0
  let start = 0
  let end = 0
  for (let stack = 0; end < input.length; end++) {
    if (input.charAt(end) === "<" && end > start) {
      fn(block, TEXT, start, start = end)
    } else if (input.charAt(end) === ">") {
      if (input.charAt(start + 1) === "/") {
        if (--stack === 0)
          fn(block++, TAG_CLOSE, start, end + 1)
      } else if (input.charAt(end - 1) !== "/") {
        if (stack++ === 0)
          fn(block, TAG_OPEN, start, end + 1)
      }
      start = end + 1
    }
  }
  if (end > start)
    fn(block, TEXT, start, end)
}

/* --------------------------------------------------------------------------
 * internal/tokenize : Material's HTML-aware tokenizer (replaces lunr.tokenizer in the builder)
 * ------------------------------------------------------------------------ */
function tokenize(input) {
  const tokens = []
  if (typeof input === "undefined")
    return tokens
  const inputs = Array.isArray(input) ? input : [input]
  for (let i = 0; i < inputs.length; i++) {
    const table = lunr.tokenizer.table
    const total = table.length
    extract(inputs[i], (block, type, start, end) => {
      table[block += total] ||= []
      switch (type) {
        case TAG_OPEN:
        case TAG_CLOSE:
          table[block].push(start << 12 | end - start << 2 | type)
          break
        case TEXT: {
          const section = inputs[i].slice(start, end)
          split(section, lunr.tokenizer.separator, (index, until) => {
            if (typeof lunr.segmenter !== "undefined") {
              const subsection = section.slice(index, until)
              if (/^[MHIK]$/.test(lunr.segmenter.ctype_(subsection))) {
                const segments = lunr.segmenter.segment(subsection)
                for (let s = 0, l = 0; s < segments.length; s++) {
                  table[block] ||= []
                  table[block].push(start + index + l << 12 | segments[s].length << 2 | type)
                  tokens.push(new lunr.Token(segments[s].toLowerCase(), {
                    position: block << 20 | table[block].length - 1
                  }))
                  l += segments[s].length
                }
                return
              }
            }
            table[block].push(start + index << 12 | until - index << 2 | type)
            tokens.push(new lunr.Token(section.slice(index, until).toLowerCase(), {
              position: block << 20 | table[block].length - 1
            }))
          })
        }
      }
    })
  }
  return tokens
}

/* --------------------------------------------------------------------------
 * internal/highlight : kept so a timed search does the same work as the worker's
 * ------------------------------------------------------------------------ */
function highlight(input, table, positions, full = false) {
  return highlightAll([input], table, positions, full).pop()
}

function highlightAll(inputs, table, positions, full = false) {
  const mapping = [0]
  for (let t = 1; t < table.length; t++) {
    const prev = table[t - 1]
    const next = table[t]
    const p = prev[prev.length - 1] >>> 2 & 0x3FF
    const q = next[0] >>> 12
    mapping.push(+(p > q) + mapping[mapping.length - 1])
  }
  return inputs.map((input, i) => {
    let cursor = 0
    const blocks = new Map()
    for (const p of positions.sort((a, b) => a - b)) {
      const index = p & 0xFFFFF
      const block = p >>> 20
      if (mapping[block] !== i)
        continue
      let group = blocks.get(block)
      if (typeof group === "undefined")
        blocks.set(block, group = [])
      group.push(index)
    }
    if (blocks.size === 0)
      return input
    const slices = []
    for (const [block, indexes] of blocks) {
      const t = table[block]
      const start = t[0] >>> 12
      const end = t[t.length - 1] >>> 12
      const length = t[t.length - 1] >>> 2 & 0x3FF
      if (full && start > cursor)
        slices.push(input.slice(cursor, start))
      let slice = input.slice(start, end + length)
      for (const j of indexes.sort((a, b) => b - a)) {
        const p = (t[j] >>> 12) - start
        const q = (t[j] >>> 2 & 0x3FF) + p
        slice = [slice.slice(0, p), "<mark>", slice.slice(p, q), "</mark>", slice.slice(q)].join("")
      }
      cursor = end + length
      if (slices.push(slice) === 2)
        break
    }
    if (full && cursor < input.length)
      slices.push(input.slice(cursor))
    return slices.join("")
  })
}

/* --------------------------------------------------------------------------
 * query/transform : the default `transform` the search box's query goes through
 * ------------------------------------------------------------------------ */
function transform(query, fn = term => term) {
  return query
    .trim()
    .split(/"([^"]+)"/g)
      .map((parts, index) => index & 1
        ? parts.replace(/^\b|^(?![^\x00-\x7F]|$)|\s+/g, " +")
        : parts
      )
      .join("")
    .replace(/"|(?:^|\s+)[*+\-:^~]+(?=\s+|$)/g, "")
    .split(/\s+/g)
      .reduce((prev, term) => {
        const next = fn(term)
        return [...prev, ...Array.isArray(next) ? next : [next]]
      }, [])
      .map(term => /([~^]$)/.test(term) ? `${term}1` : term)
      .map(term => /(^[+-]|[~^]\d+$)/.test(term) ? term : `${term}*`)
      .join(" ")
}

/* --------------------------------------------------------------------------
 * query/_ : transformSearchQuery, parseSearchQuery, getSearchQueryTerms
 * ------------------------------------------------------------------------ */
function transformSearchQuery(query) {
  return transform(query, part => {
    const terms = []
    const lexer = new lunr.QueryLexer(part)
    lexer.run()
    for (const { type, str: term, start, end } of lexer.lexemes)
      switch (type) {
        case "FIELD":
          if (!["title", "text", "tags"].includes(term))
            part = [part.slice(0, end), " ", part.slice(end + 1)].join("")
          break
        case "TERM":
          split(term, lunr.tokenizer.separator, (...range) => {
            terms.push([part.slice(0, start), term.slice(...range), part.slice(end)].join(""))
          })
      }
    return terms
  })
}

function parseSearchQuery(value) {
  const query = new lunr.Query(["title", "text", "tags"])
  const parser = new lunr.QueryParser(value, query)
  parser.parse()
  for (const clause of query.clauses) {
    clause.usePipeline = true
    if (clause.term.startsWith("*")) {
      clause.wildcard = lunr.Query.wildcard.LEADING
      clause.term = clause.term.slice(1)
    }
    if (clause.term.endsWith("*")) {
      clause.wildcard = lunr.Query.wildcard.TRAILING
      clause.term = clause.term.slice(0, -1)
    }
  }
  return query.clauses
}

function getSearchQueryTerms(query, terms) {
  const clauses = new Set(query)
  const result = {}
  for (let t = 0; t < terms.length; t++)
    for (const clause of clauses)
      if (terms[t].startsWith(clause.term)) {
        result[clause.term] = true
        clauses.delete(clause)
      }
  for (const clause of clauses)
    if (lunr.stopWordFilter?.(clause.term))
      result[clause.term] = false
  return result
}

/* --------------------------------------------------------------------------
 * query/segment : experimental Chinese segmentation
 * ------------------------------------------------------------------------ */
function segment(query, index) {
  const segments = new Set()
  const wordcuts = new Uint16Array(query.length)
  for (let i = 0; i < query.length; i++)
    for (let j = i + 1; j < query.length; j++) {
      const value = query.slice(i, j)
      if (value in index)
        wordcuts[i] = j - i
    }
  const stack = [0]
  for (let s = stack.length; s > 0;) {
    const p = stack[--s]
    for (let q = 1; q < wordcuts[p]; q++)
      if (wordcuts[p + q] > wordcuts[p] - q) {
        segments.add(query.slice(p, p + q))
        stack[s++] = p + q
      }
    const q = p + wordcuts[p]
    if (wordcuts[q] && q < query.length - 1)
      stack[s++] = q
    segments.add(query.slice(p, q))
  }
  if (segments.has(""))
    return new Set([query])
  return segments
}

/* --------------------------------------------------------------------------
 * config : setupSearchDocumentMap — sections (location with #anchor) get their page as parent;
 * relies on the index listing a page before its sections, as Material's plugin writes it
 * ------------------------------------------------------------------------ */
function setupSearchDocumentMap(docs) {
  const map = new Map()
  for (const doc of docs) {
    const [location] = doc.location.split("#")
    const article = map.get(location)
    if (typeof article === "undefined") {
      map.set(location, doc)
    } else {
      map.set(doc.location, doc)
      doc.parent = article
    }
  }
  return map
}

/* --------------------------------------------------------------------------
 * _ : the Search class (index set-up and search with post-query boosts and grouping)
 * ------------------------------------------------------------------------ */
function extractor(table) {
  return name => doc => {
    if (typeof doc[name] === "undefined")
      return undefined
    const id = [doc.location, name].join(":")
    table.set(id, lunr.tokenizer.table = [])
    return doc[name]
  }
}

function difference(a, b) {
  const [x, y] = [new Set(a), new Set(b)]
  return [...new Set([...x].filter(value => !y.has(value)))]
}

class Search {
  constructor({ config, docs, options }) {
    const field = extractor(this.table = new Map())
    this.map = setupSearchDocumentMap(docs)
    this.options = options
    this.index = lunr(function () {
      this.metadataWhitelist = ["position"]
      this.b(0)
      if (config.lang.length === 1 && config.lang[0] !== "en") {
        this.use(lunr[config.lang[0]])
      } else if (config.lang.length > 1) {
        this.use(lunr.multiLanguage(...config.lang))
      }
      this.tokenizer = tokenize
      lunr.tokenizer.separator = new RegExp(config.separator)
      lunr.segmenter = "TinySegmenter" in lunr ? new lunr.TinySegmenter() : undefined
      const fns = difference(["trimmer", "stopWordFilter", "stemmer"], config.pipeline)
      for (const lang of config.lang.map(language => language === "en" ? lunr : lunr[language]))
        for (const fn of fns) {
          this.pipeline.remove(lang[fn])
          this.searchPipeline.remove(lang[fn])
        }
      this.ref("location")
      for (const [name, spec] of Object.entries(config.fields))
        this.field(name, { ...spec, extractor: field(name) })
      for (const doc of docs)
        this.add(doc, { boost: doc.boost })
    })
  }

  search(query) {
    query = query.replace(/\p{sc=Han}+/gu, value => {
      return [...segment(value, this.index.invertedIndex)].join("* ")
    })
    query = transformSearchQuery(query)
    if (!query)
      return { items: [], query }

    const clauses = parseSearchQuery(query)
      .filter(clause => clause.presence !== lunr.Query.presence.PROHIBITED)

    const groups = this.index.search(query)
      .reduce((item, { ref, score, matchData }) => {
        let doc = this.map.get(ref)
        if (typeof doc !== "undefined") {
          doc = { ...doc }
          if (doc.tags)
            doc.tags = [...doc.tags]
          const terms = getSearchQueryTerms(clauses, Object.keys(matchData.metadata))
          for (const field of this.index.fields) {
            if (typeof doc[field] === "undefined")
              continue
            const positions = []
            for (const match of Object.values(matchData.metadata))
              if (typeof match[field] !== "undefined")
                positions.push(...match[field].position)
            if (!positions.length)
              continue
            const table = this.table.get([doc.location, field].join(":"))
            const fn = Array.isArray(doc[field]) ? highlightAll : highlight
            doc[field] = fn(doc[field], table, positions, field !== "text")
          }
          const boost = +!doc.parent +
            Object.values(terms).filter(t => t).length /
            Object.keys(terms).length
          item.push({ ...doc, score: score * (1 + boost ** 2), terms })
        }
        return item
      }, [])
      .sort((a, b) => b.score - a.score)
      .reduce((items, result) => {
        const doc = this.map.get(result.location)
        if (typeof doc !== "undefined") {
          const ref = doc.parent ? doc.parent.location : doc.location
          items.set(ref, [...items.get(ref) || [], result])
        }
        return items
      }, new Map())

    for (const [ref, items] of groups)
      if (!items.find(item => item.location === ref)) {
        const doc = this.map.get(ref)
        items.push({ ...doc, score: 0, terms: {} })
      }

    let suggest
    if (this.options.suggest) {
      const titles = this.index.query(builder => {
        for (const clause of clauses)
          builder.term(clause.term, {
            fields: ["title"],
            presence: lunr.Query.presence.REQUIRED,
            wildcard: lunr.Query.wildcard.TRAILING
          })
      })
      suggest = titles.length ? Object.keys(titles[0].matchData.metadata) : []
    }

    return {
      items: [...groups.entries()],
      query,
      ...typeof suggest !== "undefined" && { suggest }
    }
  }
}

/* The worker's QUERY handler: an invalid query yields an empty result, as in the browser. */
function handle(search, query) {
  try {
    return search.search(query)
  } catch (err) {
    return { items: [], query: null, error: String(err && err.message || err) }
  }
}

/* --------------------------------------------------------------------------
 * main
 * ------------------------------------------------------------------------ */
function version(pkg) {
  return JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), "utf8")).version
}

function fail(message) {
  console.error(`search.js: ${message}`)
  process.exit(2)
}

function main() {
  const indexFile = process.argv[2]
  if (!indexFile)
    fail("usage: node search.js SITE_DIR/search/search_index.json < queries.json")
  let data
  try {
    data = JSON.parse(fs.readFileSync(indexFile, "utf8"))
  } catch (err) {
    fail(`cannot read ${indexFile}: ${err.message}`)
  }
  if (!data || !data.config || !Array.isArray(data.docs) || !data.config.fields)
    fail(`${indexFile} is not a Material for MkDocs search index (no config.fields)`)

  let input
  try {
    input = JSON.parse(fs.readFileSync(0, "utf8"))
  } catch (err) {
    fail(`stdin is not JSON: ${err.message}`)
  }
  if (Array.isArray(input))
    input = { queries: input }
  const queries = input.queries || []
  const limit = input.limit || 10
  const suggest = input.suggest !== undefined ? !!input.suggest : false

  const t0 = performance.now()
  setupSearchLanguages(data.config)
  const search = new Search({ config: data.config, docs: data.docs, options: { suggest } })
  const buildMs = performance.now() - t0

  /* One untimed warm-up search, so the first timed query does not pay for JIT compilation. */
  if (queries.length)
    handle(search, queries[0])

  const results = []
  for (const query of queries) {
    const start = performance.now()
    const result = handle(search, query)
    const ms = performance.now() - start
    const pages = result.items.slice(0, limit).map(([location, items]) => ({
      location,
      best: items[0].location,
      score: items[0].score
    }))
    results.push({
      query,
      transformed: result.query,
      ...result.error && { error: result.error },
      total: result.items.length,
      pages,
      ms
    })
  }

  process.stdout.write(JSON.stringify({
    implementation: "mkdocs-material search worker (replicated)",
    versions: { lunr: version("lunr"), "lunr-languages": version("lunr-languages"), node: process.versions.node },
    config: data.config,
    docs: data.docs.length,
    build_ms: buildMs,
    results
  }))
}

main()
