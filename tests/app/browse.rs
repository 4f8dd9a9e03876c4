//! Browsing the bank: filters, the question page with its answer, and missing questions.

use crate::helpers::{
    TestDb, assert_contains, assert_page, copy_dir, db_tests, fixture, import_into, spawn_app,
};

fn every_question_is_listed_and_filters_narrow_the_list(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    let all = app.get("/questions").text().unwrap();
    assert_contains(&all, &["3 questions."]);
    assert!(all.contains("href=\"/questions/event-loop/phases-order\""));
    assert!(all.contains("href=\"/questions/streams/backpressure\""));

    let senior = app.get("/questions?difficulty=senior").text().unwrap();
    assert_contains(&senior, &["1 question."]);
    assert!(senior.contains("event-loop/immediate-vs-timeout"));

    // An area matches the questions of its subtopics.
    let runtime = app.get("/questions?topic=runtime").text().unwrap();
    assert_contains(&runtime, &["2 questions."]);
    assert!(!runtime.contains("streams/backpressure"));

    let by_set = app
        .get("/questions?set=streams&kind=concept")
        .text()
        .unwrap();
    assert_contains(&by_set, &["1 question."]);
    assert!(
        by_set.contains("<option value=\"streams\" selected>"),
        "the menu keeps the choice"
    );

    let none = app
        .get("/questions?set=streams&difficulty=senior")
        .text()
        .unwrap();
    assert_contains(&none, &["No questions match"]);
}

fn a_question_page_shows_the_rendered_prompt_answer_and_follow_ups(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    let page = assert_page(
        app.get("/questions/event-loop/immediate-vs-timeout"),
        200,
        "<title>event-loop/immediate-vs-timeout: What does this print? · Rehearse</title>",
    );
    assert!(page.contains("class=\"hl-"), "code is highlighted: {page}");
    assert!(
        page.contains("<summary>Show answer</summary>"),
        "works without JavaScript"
    );
    assert!(page.contains("<li>nextTick runs before any phase</li>"));

    let with_follow_ups = app
        .get("/questions/event-loop/phases-order")
        .text()
        .unwrap();
    assert_contains(
        &with_follow_ups,
        &["href=\"/questions/streams/backpressure\""],
    );
    assert!(with_follow_ups.contains("What is backpressure?"));
}

fn a_missing_question_is_a_404(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    assert_eq!(app.get("/questions/event-loop/nope").status(), 404);
}

fn a_running_server_shows_what_the_cli_just_imported(test_db: TestDb) {
    let bank = copy_dir(&fixture("valid"));
    let app = spawn_app(test_db, bank.path());
    let path = "/questions/streams/backpressure";
    assert!(!app.get(path).text().unwrap().contains("freshly rewritten"));
    let file = bank.path().join("streams.yaml");
    let yaml = std::fs::read_to_string(&file).unwrap();
    let changed = yaml.replace(
        "answer: A slow consumer",
        "answer: A freshly rewritten answer. A slow consumer",
    );
    assert_ne!(yaml, changed);
    std::fs::write(&file, changed).unwrap();
    let output = import_into(&app, bank.path());
    assert_eq!(output.code, 0, "{}", output.stderr);
    let page = app.get(path).text().unwrap();
    assert_contains(&page, &["A freshly rewritten answer."]);
}

fn search_finds_words_in_prompts_and_answers_and_combines_with_filters(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    // A word from an answer only, and one from a key point.
    let page = app.get("/questions?q=consumer").text().unwrap();
    assert_contains(&page, &["1 question match “consumer”"]);
    assert!(page.contains("href=\"/questions/streams/backpressure\""));
    assert!(
        page.contains("A slow <mark>consumer</mark> making a fast producer wait."),
        "snippet: {page}"
    );
    let page = app.get("/questions?q=drain").text().unwrap();
    assert_contains(&page, &["href=\"/questions/streams/backpressure\""]);
    // A prefix of the last word, as typed.
    let page = app.get("/questions?q=backpres").text().unwrap();
    assert_contains(&page, &["href=\"/questions/streams/backpressure\""]);
    // Every word must match, and the filters still apply.
    let page = app.get("/questions?q=timers+poll").text().unwrap();
    assert_contains(&page, &["href=\"/questions/event-loop/phases-order\""]);
    let page = app
        .get("/questions?q=timers+poll&difficulty=junior")
        .text()
        .unwrap();
    assert_contains(&page, &["0 questions match"]);
    assert!(page.contains("No questions match"));
    // The box keeps what was typed, escaped.
    let page = app.get("/questions?q=%3Cscript%3E").text().unwrap();
    assert!(
        page.contains("value=\"&#60;script&#62;\"") || page.contains("value=\"&lt;script&gt;\""),
        "{page}"
    );
    assert!(!page.contains("<script>"));
}

/// The hits of a search page, in the order listed.
fn listed(page: &str) -> Vec<String> {
    page.split("href=\"/questions/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|key| key.contains('/'))
        .map(str::to_owned)
        .collect()
}

fn search_understands_word_forms_typos_phrases_and_prefixes(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    let hits = |q: &str| listed(&app.get(&format!("/questions?q={q}")).text().unwrap());
    // Word forms: the answer says "consumer", the prompt "phases".
    assert_eq!(hits("consumers"), ["streams/backpressure"]);
    assert_eq!(hits("phase+order"), ["event-loop/phases-order"]);
    // A typo in a long enough word.
    assert_eq!(hits("backpresure"), ["streams/backpressure"]);
    assert_eq!(hits("prodcuer"), ["streams/backpressure"]);
    // Quoted words must be adjacent and in order.
    assert_eq!(hits("%22fast+producer%22"), ["streams/backpressure"]);
    assert!(hits("%22producer+fast%22").is_empty());
    // The word being typed is a prefix; a finished earlier word is not.
    assert_eq!(hits("fast+produ"), ["streams/backpressure"]);
    assert!(hits("prod+fast").is_empty());
    // A dotted name is a phrase of its parts.
    assert_eq!(
        hits("process.nextTick"),
        ["event-loop/immediate-vs-timeout"]
    );
}

fn search_ranks_what_a_question_is_about_above_what_its_answer_mentions(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("search"));
    let page = app.get("/questions?q=cluster").text().unwrap();
    // The answer of `mentions-workers` says "cluster" four times; the other question is about it.
    assert_eq!(
        listed(&page),
        ["scaling/cluster-module", "scaling/mentions-workers"]
    );
    // Snippets mark every form of the words found.
    assert_contains(&page, &["The <mark>cluster</mark> module forks workers"]);
    let page = app.get("/questions?q=stampedes").text().unwrap();
    assert_eq!(listed(&page), ["scaling/memoize-promises"]);
    assert_contains(&page, &["a <mark>stampede</mark> of"]);
    // Filters combine with the words.
    let hits = |q: &str| listed(&app.get(&format!("/questions?q={q}")).text().unwrap());
    assert_eq!(hits("cluster&difficulty=mid"), ["scaling/cluster-module"]);
    assert_eq!(hits("process&topic=caching"), Vec::<String>::new());
    assert_eq!(hits("forks&topic=scaling").len(), 2);
    assert_eq!(hits("forks&kind=design"), Vec::<String>::new());
}

/// The count a search page reports ("12 questions match …").
fn match_count(page: &str) -> usize {
    page.split("role=\"status\">")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no count in {page}"))
}

fn on_the_shipped_bank_word_forms_find_the_same_questions(test_db: TestDb) {
    let app = spawn_app(test_db, &crate::helpers::repo_root().join("questions"));
    let count = |q: &str| match_count(&app.get(&format!("/questions?q={q}")).text().unwrap());
    // Quoted, so that the last word is not also a prefix (`buffer` finds `bufferedAmount`).
    for (one, other) in [
        ("%22stream%22", "%22streams%22"),
        ("%22buffer%22", "%22buffers%22"),
        ("%22idempotent%22", "%22idempotency%22"),
        ("garbage+%22collector%22", "garbage+%22collection%22"),
    ] {
        let (a, b) = (count(one), count(other));
        assert!(a > 0 && a == b, "{one}: {a}, {other}: {b}");
    }
    let (typo, right) = (count("evnet+loop"), count("event+loop"));
    assert!(
        right > 10 && typo * 10 >= right * 9,
        "evnet loop: {typo}, event loop: {right}"
    );
}

fn an_empty_or_hostile_search_is_answered_calmly(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("search"));
    for q in ["%22%22", "%3F%21", "%F0%9F%8E%89", "%22", "%E2%80%94"] {
        let response = app.get(&format!("/questions?q={q}"));
        assert_eq!(response.status().as_u16(), 200, "{q}");
        let page = response.text().unwrap();
        assert!(page.contains("0 questions match"), "{q}: {page}");
    }
    let long = "stampede+".repeat(500);
    let response = app.get(&format!("/questions?q={long}"));
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        listed(&response.text().unwrap()),
        ["scaling/memoize-promises"]
    );
    let page = app.get("/questions?q=%3Cmark%3Ecluster").text().unwrap();
    assert!(!page.contains("<mark>cluster</mark>module"), "{page}");
    assert!(!page.contains("value=\"<mark>"), "{page}");
}

db_tests!(
    search_finds_words_in_prompts_and_answers_and_combines_with_filters,
    search_understands_word_forms_typos_phrases_and_prefixes,
    search_ranks_what_a_question_is_about_above_what_its_answer_mentions,
    an_empty_or_hostile_search_is_answered_calmly,
    on_the_shipped_bank_word_forms_find_the_same_questions,
    a_running_server_shows_what_the_cli_just_imported,
    every_question_is_listed_and_filters_narrow_the_list,
    a_question_page_shows_the_rendered_prompt_answer_and_follow_ups,
    a_missing_question_is_a_404,
);
