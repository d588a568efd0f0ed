/* The site search: the "/" key, and the search page (search/?q=...).
 *
 * The index is Pagefind's (built by `tipkb build`, generator/site/pagefind.py).
 * Pagefind returns only pages holding every word of a query, and staff type
 * sentences ("customer is yelling at me"), so each significant word is searched on
 * its own and the scores of a page are added: a page with more of the words ranks
 * higher. The words are read as `tipkb search` reads them (generator/search/
 * analysis.py): the stop words come from search/answers.json, and a query names a
 * situation by the same inflection keys. A word the index lacks is corrected
 * towards the tips' own words (search/words/<ab>.json, fetched per word).
 *
 * Everything shown comes from the site's own files and is set as text, never as
 * HTML: a tip's title or phrase may hold anything.
 */
(function () {
  "use strict";

  var ROOT = new URL("../", document.currentScript.src); // this file is assets/…
  var WORD = /[\p{L}\p{N}_]+/gu;
  var SHOWN = 10; // results per "Show more"
  var FACET_POOL = 30; // results the filter counts are taken over
  var MAX_QUERY = 200; // characters, as `tipkb search` caps a query
  var MAX_WORDS = 12;
  // A query that names a situation ranks its tips up by this share of the best score
  // (tuned on the tuning half of tests/labels/staff_queries.yml; Pagefind's own
  // ranking options at their defaults did best there).
  var NAMED_BOOST = 0.5;

  // "/" focuses the search box: the page's own, else the header's.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
      return;
    }
    var box = document.getElementById("tipkb-query") ||
      document.querySelector(".tipkb-header-search__input");
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });

  var out = document.getElementById("tipkb-results");
  if (!out) {
    return;
  }

  // --- reading a query -----------------------------------------------------------

  function tokens(text) {
    return text.toLowerCase().match(WORD) || [];
  }

  var SUFFIXES = [["ies", "y"], ["ied", "y"], ["ing", ""], ["ed", ""], ["es", ""], ["s", ""]];

  /* A word without its inflection ("yelling" -> "yell"): analysis._inflection_key. */
  function inflectionKey(word) {
    for (var i = 0; i < SUFFIXES.length; i++) {
      var suffix = SUFFIXES[i][0];
      if (word.endsWith(suffix) && word.length - suffix.length >= 3 && !word.endsWith("eed")) {
        word = word.slice(0, word.length - suffix.length) + SUFFIXES[i][1];
        break;
      }
    }
    var last = word.charAt(word.length - 1);
    if (word.length > 3 && last === word.charAt(word.length - 2) && "lsz".indexOf(last) < 0) {
      word = word.slice(0, -1);
    }
    return word.length > 3 && word.endsWith("e") ? word.slice(0, -1) : word;
  }

  /* A term's made-up word in the records, or its start (generator/site/term_search.py):
   * never looked up as typed, where Pagefind would find every tip by it. */
  var TOKEN = /^zz[nd]?[0-9]*$/;

  function significant(words, stop) {
    var seen = {};
    return words.filter(function (w) {
      var keep = w.length > 1 && !stop.has(w) && !seen[w] && !TOKEN.test(w);
      seen[w] = true;
      return keep;
    }).slice(0, MAX_WORDS);
  }

  /* Optimal string alignment distance, at most limit + 1. */
  function distance(a, b, limit) {
    if (Math.abs(a.length - b.length) > limit) {
      return limit + 1;
    }
    var rows = [];
    for (var i = 0; i <= a.length; i++) {
      rows.push([i]);
    }
    for (var j = 1; j <= b.length; j++) {
      rows[0][j] = j;
    }
    for (i = 1; i <= a.length; i++) {
      for (j = 1; j <= b.length; j++) {
        var cost = a[i - 1] === b[j - 1] ? 0 : 1;
        var d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
          d = Math.min(d, rows[i - 2][j - 2] + 1);
        }
        rows[i][j] = d;
      }
    }
    return rows[a.length][b.length];
  }

  var shards = {};

  function wordsOf(prefix) {
    if (!shards[prefix]) {
      shards[prefix] = fetch(new URL("search/words/" + prefix + ".json", ROOT))
        .then(function (r) { return r.ok ? r.json() : {}; })
        .catch(function () { return {}; });
    }
    return shards[prefix];
  }

  /* The tips' word closest to `word` (one edit, two for long words); null when the
   * tips have the word, in this or another inflection, or nothing close. */
  function correction(word) {
    if (!/^[a-z]{4,30}$/.test(word)) {
      return Promise.resolve(null);
    }
    return wordsOf(word.slice(0, 2)).then(function (shard) {
      var known = shard.uses || {};
      var key = inflectionKey(word);
      var words = Object.keys(known);
      if (words.some(function (w) { return w === word || inflectionKey(w) === key; })) {
        return null;
      }
      var limit = word.length >= 7 ? 2 : 1;
      var best = null;
      words.forEach(function (candidate) {
        var d = distance(word, candidate, limit);
        if (d > limit) {
          return;
        }
        if (!best || d < best.d || (d === best.d && known[candidate] > best.uses)) {
          best = { word: candidate, d: d, uses: known[candidate] };
        }
      });
      return best ? best.word : null;
    });
  }

  /* The situation a query names by its label or a synonym, the longest name first. */
  function namedSituation(words, situations) {
    var keys = words.map(inflectionKey);
    var found = null;
    var size = 0;
    situations.forEach(function (situation) {
      situation.names.forEach(function (name) {
        if (name.length > size && contains(keys, name)) {
          found = situation;
          size = name.length;
        }
      });
    });
    return found;
  }

  function contains(keys, name) {
    for (var i = 0; i + name.length <= keys.length; i++) {
      var j = 0;
      while (j < name.length && keys[i + j] === name[j]) {
        j++;
      }
      if (j === name.length) {
        return true;
      }
    }
    return false;
  }

  // --- searching -------------------------------------------------------------------

  var pagefind = null;
  var SATURATION = 0.2; // see searchWord

  function loadPagefind() {
    if (!pagefind) {
      pagefind = import(new URL("pagefind/pagefind.js", ROOT).href).then(function (module) {
        return module.options({ baseUrl: ROOT.pathname }).then(function () { return module; });
      });
    }
    return pagefind;
  }

  /* The terms a word is in, by their names or descriptions: their tokens in the
   * records, each with its factor, and whether the tips themselves lack the word; `key`
   * is the word's inflection key (generator/site/term_search.py). */
  function termsOf(key) {
    if (!/^[a-z]{2,30}$/.test(key)) {
      return Promise.resolve({ tokens: {}, absent: false });
    }
    return wordsOf(key.slice(0, 2)).then(function (shard) {
      return {
        tokens: (shard.terms && shard.terms[key]) || {},
        absent: (shard.absent || []).indexOf(key) >= 0,
      };
    });
  }

  /* One word's score for each page, from its own and its terms' tokens' (each by its
   * factor), as Pagefind scored the word when the record held the terms' words: the best
   * token only, as a record held each word once, however many of its terms had it; and
   * the larger of that and the word's own, plus SATURATION times the smaller, as BM25
   * saturates a word's occurrences (with k1 = 1.2, adding a name's weight of 3 or a
   * description's 1 to a word already in the text adds 0.1 to 0.4 of what it would
   * alone). Chosen to rank as the records with the words did, not on the labelled
   * queries: over 204 probe queries, 0.91 of the first three results and 0.94 of the
   * first ten were those of the records with the words (0.90 and 0.91 adding both). */
  function searchWord(pf, word, filters) {
    return termsOf(inflectionKey(word)).then(function (terms) {
      var tokens = Object.keys(terms.tokens);
      var own = terms.absent && tokens.length ? [] : [word];
      var looked = own.concat(tokens);
      var searches = looked.map(function (w) { return pf.search(w, { filters: filters }); });
      return Promise.all(searches).then(function (found) {
        var pages = {};
        found.forEach(function (search, i) {
          var factor = i < own.length ? 1 : terms.tokens[looked[i]];
          search.results.forEach(function (result) {
            var page = pages[result.id] || (pages[result.id] = { result: result, own: 0, terms: 0 });
            if (i < own.length) {
              page.own = result.score;
            } else {
              page.terms = Math.max(page.terms, factor * result.score);
            }
          });
        });
        Object.keys(pages).forEach(function (id) {
          var page = pages[id];
          page.score = Math.max(page.own, page.terms) + SATURATION * Math.min(page.own, page.terms);
        });
        return pages;
      });
    });
  }

  /* Search each word (a word the tips lack: its correction instead); add the scores,
   * each on a log scale, so that a page matching more of the words beats one matching
   * one word strongly (tuned on the tuning half of tests/labels/staff_queries.yml).
   * (Pagefind matches an unknown word loosely, to words it begins or shares a start
   * with, so its results for a typo are no sign that the word is known.) */
  function searchWords(pf, words, filters) {
    var corrected = {};
    var runs = words.map(function (word) {
      return correction(word).then(function (better) {
        if (better) {
          corrected[word] = better;
        }
        return searchWord(pf, better || word, filters);
      });
    });
    return Promise.all(runs).then(function (searches) {
      var pages = {};
      searches.forEach(function (found) {
        Object.keys(found).forEach(function (id) {
          var page = pages[id] || (pages[id] = { result: found[id].result, score: 0 });
          page.score += Math.log(1 + found[id].score); // each word with diminishing returns
        });
      });
      var ranked = Object.keys(pages).map(function (id) { return pages[id]; });
      ranked.sort(function (a, b) { return b.score - a.score || (a.result.id < b.result.id ? -1 : 1); });
      return { ranked: ranked, corrected: corrected };
    });
  }

  /* Rank up the pages in `named` (the tips of the situation a query names). */
  function boost(ranked, named) {
    if (!named || !ranked.length) {
      return;
    }
    var extra = NAMED_BOOST * ranked[0].score;
    ranked.forEach(function (page) {
      if (named.has(page.result.id)) {
        page.score += extra;
      }
    });
    ranked.sort(function (a, b) { return b.score - a.score || (a.result.id < b.result.id ? -1 : 1); });
  }

  /* The ids of the pages found by `words` that have a filter value. */
  function pagesWith(pf, words, kind, value) {
    var filters = {};
    filters[kind] = value;
    return searchWords(pf, words, filters).then(function (found) {
      return new Set(found.ranked.map(function (page) { return page.result.id; }));
    });
  }

  // --- showing ---------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function link(text, href, className) {
    var a = el("a", className, text);
    a.href = href;
    return a;
  }

  function searchHref(query, chosen) {
    var params = new URLSearchParams();
    params.set("q", query);
    Object.keys(chosen).forEach(function (kind) {
      if (chosen[kind]) {
        params.set(kind, chosen[kind]);
      }
    });
    return "?" + params.toString();
  }

  function phraseList(phrases) {
    var box = el("div", "tipkb-phrases");
    var list = el("ul");
    phrases.forEach(function (text) {
      var item = el("li");
      item.appendChild(el("span", "tipkb-phrase-text", text));
      item.appendChild(document.createTextNode(" "));
      var copy = el("button", "tipkb-copy", "Copy");
      copy.type = "button";
      copy.setAttribute("aria-label", "Copy phrase: " + text);
      item.appendChild(copy);
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }

  function answerCard(situation) {
    var card = el("section", "tipkb-answer");
    card.setAttribute("aria-labelledby", "tipkb-answer-title");
    card.appendChild(el("p", "tipkb-answer__kicker", "You are dealing with"));
    var title = el("h2", "tipkb-answer__title");
    title.id = "tipkb-answer-title";
    title.appendChild(link(situation.label, new URL(situation.url, ROOT).href));
    card.appendChild(title);
    if (situation.description) {
      card.appendChild(el("p", "tipkb-answer__description", situation.description));
    }
    if (situation.phrases.length) {
      card.appendChild(el("p", "tipkb-answer__lead", "What to say"));
      card.appendChild(phraseList(situation.phrases));
    }
    var more = situation.tips === 1 ? "1 tip" : situation.tips + " tips";
    card.appendChild(link("All of " + situation.label + " (" + more + ") →",
      new URL(situation.url, ROOT).href, "md-button"));
    return card;
  }

  function bestPhrase(meta, words) {
    var keys = new Set(words.map(inflectionKey));
    var best = null;
    var bestScore = -1;
    for (var i = 1; meta["phrase" + i]; i++) {
      var text = meta["phrase" + i];
      var score = tokens(text).filter(function (w) { return keys.has(inflectionKey(w)); }).length;
      if (score > bestScore) {
        best = text;
        bestScore = score;
      }
    }
    return best;
  }

  function resultItem(data, words, situationUrls) {
    var item = el("li", "tipkb-result");
    var title = el("h3", "tipkb-result__title");
    title.appendChild(link(data.meta.title || data.url, data.url));
    item.appendChild(title);
    var facts = el("p", "tipkb-result__meta");
    facts.appendChild(document.createTextNode(data.meta.date || "Undated"));
    if (data.meta.teaser) {
      facts.appendChild(document.createTextNode(" "));
      facts.appendChild(el("span", "tipkb-badge", "Teaser"));
    }
    item.appendChild(facts);
    var situations = (data.filters && data.filters.situation) || [];
    if (situations.length) {
      var chips = el("p", "tipkb-chips");
      situations.forEach(function (label) {
        var url = situationUrls[label];
        chips.appendChild(url ? link(label, new URL(url, ROOT).href, "tipkb-chip tipkb-chip--situation")
          : el("span", "tipkb-chip tipkb-chip--situation", label));
        chips.appendChild(document.createTextNode(" "));
      });
      item.appendChild(chips);
    }
    var phrase = bestPhrase(data.meta, words);
    if (phrase) {
      item.appendChild(phraseList([phrase]));
    } else if (data.meta.summary) {
      item.appendChild(el("p", "tipkb-result__summary", data.meta.summary));
    }
    return item;
  }

  /* Filter chips with how many of the best results have each value. */
  function facetGroup(kind, title, pool, query, chosen) {
    var counts = {};
    pool.forEach(function (data) {
      ((data.filters && data.filters[kind]) || []).forEach(function (value) {
        counts[value] = (counts[value] || 0) + 1;
      });
    });
    var values = Object.keys(counts);
    if (!values.length) {
      return null;
    }
    values.sort(function (a, b) { return counts[b] - counts[a] || (a < b ? -1 : 1); });
    var group = el("div", "tipkb-facet");
    group.appendChild(el("p", "tipkb-facet__title", title));
    var row = el("p", "tipkb-chips");
    values.forEach(function (value) {
      var on = chosen[kind] === value;
      var next = Object.assign({}, chosen);
      next[kind] = on ? null : value;
      var chip = link((on ? "✓ " : "") + value + " (" + counts[value] + ")", searchHref(query, next),
        "tipkb-chip tipkb-chip--" + kind + (on ? " tipkb-chip--on" : ""));
      if (on) {
        chip.setAttribute("aria-current", "true");
      }
      row.appendChild(chip);
      row.appendChild(document.createTextNode(" "));
    });
    group.appendChild(row);
    return group;
  }

  function situationsList(situations) {
    var list = el("ul", "tipkb-situation-list");
    situations.forEach(function (s) {
      var item = el("li");
      item.appendChild(link(s.label, new URL(s.url, ROOT).href));
      item.appendChild(document.createTextNode(" (" + (s.tips === 1 ? "1 tip" : s.tips + " tips") + ")"));
      list.appendChild(item);
    });
    return list;
  }

  function status(text) {
    var line = el("p", "tipkb-search-status", text);
    line.setAttribute("role", "status");
    return line;
  }

  function showMore(list, pages, words, urls, from) {
    var shown = pages.slice(from, from + SHOWN);
    return Promise.all(shown.map(function (p) { return p.result.data(); })).then(function (all) {
      all.forEach(function (data) { list.appendChild(resultItem(data, words, urls)); });
      return from + shown.length;
    });
  }

  function finish(state) {
    out.setAttribute("data-state", state);
  }

  function render(query, chosen, answers, pf) {
    var stop = new Set(answers.stop);
    var all = tokens(query);
    var words = significant(all, stop);
    if (!words.length) {
      out.appendChild(status("Say what happened in a few words, e.g. “customer is yelling at me”, or pick what you are dealing with:"));
      out.appendChild(situationsList(answers.situations));
      return Promise.resolve(finish("done"));
    }
    var filters = {};
    Object.keys(chosen).forEach(function (kind) {
      if (chosen[kind]) {
        filters[kind] = chosen[kind];
      }
    });
    return searchWords(pf, words, filters).then(function (searched) {
      var used = words.map(function (w) { return searched.corrected[w] || w; });
      var fixedAll = all.map(function (w) { return searched.corrected[w] || w; });
      var situation = namedSituation(fixedAll, answers.situations);
      if (!situation || !NAMED_BOOST) {
        return show(query, chosen, answers, fixedAll, used, searched, situation);
      }
      return pagesWith(pf, used, "situation", situation.label).then(function (named) {
        boost(searched.ranked, named);
        return show(query, chosen, answers, fixedAll, used, searched, situation);
      });
    });
  }

  function show(query, chosen, answers, fixedAll, words, searched, situation) {
    var pages = searched.ranked;
    var urls = {};
    answers.situations.forEach(function (s) { urls[s.label] = s.url; });
    if (Object.keys(searched.corrected).length) {
      var fixedQuery = fixedAll.join(" ");
      var suggest = el("p", "tipkb-suggest", "Did you mean ");
      suggest.appendChild(link(fixedQuery, searchHref(fixedQuery, chosen)));
      suggest.appendChild(document.createTextNode("? The results include it."));
      out.appendChild(suggest);
    }
    if (situation) {
      out.appendChild(answerCard(situation));
    }
    if (!pages.length) {
      out.appendChild(status("No tips match “" + query + "”. Try other words, or pick what you are dealing with:"));
      out.appendChild(situationsList(answers.situations));
      return finish("done");
    }
    var count = pages.length === 1 ? "1 tip" : pages.length + " tips";
    out.appendChild(status(count + " for “" + query + "”, best first"));
    var list = el("ol", "tipkb-result-list");
    out.appendChild(list);
    return showMore(list, pages, words, urls, 0).then(function (next) {
      addMoreButton(list, pages, words, urls, next);
      return facets(list, pages, query, chosen);
    }).then(function () { finish("done"); });
  }

  /* The filters, counted over the best FACET_POOL results (their data is fetched for it:
   * counting over every result would fetch every result). */
  function facets(list, pages, query, chosen) {
    var pool = pages.slice(0, FACET_POOL);
    return Promise.all(pool.map(function (p) { return p.result.data(); })).then(function (data) {
      var box = el("details", "tipkb-facets");
      box.open = Boolean(chosen.situation || chosen.technique);
      var among = pages.length > pool.length ? " (counts among the best " + pool.length + ")" : "";
      box.appendChild(el("summary", "", "Narrow down by situation or technique" + among));
      [["situation", "Situations"], ["technique", "Techniques"]].forEach(function (f) {
        var group = facetGroup(f[0], f[1], data, query, chosen);
        if (group) {
          box.appendChild(group);
        }
      });
      if (box.childNodes.length > 1) {
        out.insertBefore(box, list);
      }
    });
  }

  function addMoreButton(list, pages, words, urls, from) {
    if (from >= pages.length) {
      return;
    }
    var more = el("button", "md-button tipkb-more", "Show more tips");
    more.type = "button";
    more.addEventListener("click", function () {
      more.remove();
      showMore(list, pages, words, urls, from).then(function (next) {
        addMoreButton(list, pages, words, urls, next);
      });
    });
    list.after(more);
  }

  function start() {
    var params = new URLSearchParams(window.location.search);
    var query = (params.get("q") || "").trim().slice(0, MAX_QUERY);
    var chosen = { situation: params.get("situation"), technique: params.get("technique") };
    var box = document.getElementById("tipkb-query");
    if (box) {
      box.value = query;
    }
    out.setAttribute("data-query", query);
    finish("loading");
    var answers = fetch(new URL("search/answers.json", ROOT)).then(function (r) {
      if (!r.ok) {
        throw new Error("search/answers.json: " + r.status);
      }
      return r.json();
    });
    Promise.all([answers, query ? loadPagefind() : null]).then(function (loaded) {
      return render(query, chosen, loaded[0], loaded[1]);
    }).catch(function (error) {
      out.appendChild(status("The search could not load (" + error.message + "). Pick what you are dealing with on the situations page instead."));
      out.appendChild(link("Situations →", new URL("situations/", ROOT).href));
      finish("failed");
    });
  }

  start();
})();
