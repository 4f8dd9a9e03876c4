//! Rendering an import's Markdown (prompts, answers, set descriptions) to sanitized HTML,
//! on all cores and before the write transaction opens: rendering is the slow part of a big
//! import, and the transaction then only writes.

use super::plan::Change;
use super::prepare::ImportPlan;
use crate::bank::model::Question;
use crate::bank::render::{SanitizedHtml, markdown_to_html};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The HTML an import writes: of each question it inserts or updates, by key, and of each
/// set's description, by slug.
#[derive(Debug, Default)]
pub struct Rendered {
    questions: HashMap<String, RenderedQuestion>,
    descriptions: HashMap<String, SanitizedHtml>,
}

/// A question's prompt and answer, rendered.
#[derive(Clone, Debug)]
pub(super) struct RenderedQuestion {
    pub(super) prompt_html: SanitizedHtml,
    pub(super) answer_html: SanitizedHtml,
}

impl RenderedQuestion {
    fn of(q: &Question) -> RenderedQuestion {
        RenderedQuestion {
            prompt_html: markdown_to_html(&q.prompt),
            answer_html: markdown_to_html(&q.answer),
        }
    }
}

impl Rendered {
    /// The question's HTML; rendered here should the plan have missed it (it does not).
    pub(super) fn question(
        &self,
        key: &str,
        q: &Question,
    ) -> std::borrow::Cow<'_, RenderedQuestion> {
        match self.questions.get(key) {
            Some(done) => std::borrow::Cow::Borrowed(done),
            None => std::borrow::Cow::Owned(RenderedQuestion::of(q)),
        }
    }

    pub(super) fn description(&self, slug: &str) -> Option<&SanitizedHtml> {
        self.descriptions.get(slug)
    }
}

/// Questions per unit of work handed to a thread: small enough to share the work evenly.
const CHUNK: usize = 32;

/// Renders what the plan writes; `progress(done, total)` counts questions.
pub fn render(prepared: &ImportPlan, progress: &(dyn Fn(usize, usize) + Sync)) -> Rendered {
    let writes: HashMap<&str, Change> = prepared
        .plan
        .changes
        .iter()
        .filter(|c| matches!(c.change, Change::Added | Change::Updated | Change::Restored))
        .map(|c| (c.key.as_str(), c.change))
        .collect();
    let mut todo: Vec<(String, &Question)> = Vec::with_capacity(writes.len());
    for set in &prepared.bank.sets {
        for q in &set.questions {
            let key = format!("{}/{}", set.slug, q.id);
            if writes.contains_key(key.as_str()) {
                todo.push((key, q));
            }
        }
    }
    let descriptions = prepared
        .bank
        .sets
        .iter()
        .filter_map(|s| {
            let html = markdown_to_html(s.description.as_deref()?);
            Some((s.slug.as_str().to_owned(), html))
        })
        .collect();
    Rendered {
        questions: render_questions(todo, progress),
        descriptions,
    }
}

fn render_questions(
    todo: Vec<(String, &Question)>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> HashMap<String, RenderedQuestion> {
    let total = todo.len();
    if total == 0 {
        return HashMap::new();
    }
    let chunks: Vec<&[(String, &Question)]> = todo.chunks(CHUNK).collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(chunks.len());
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let work = || {
        let mut out = Vec::new();
        while let Some(chunk) = chunks.get(next.fetch_add(1, Ordering::Relaxed)) {
            out.extend(
                chunk
                    .iter()
                    .map(|(key, q)| (key.clone(), RenderedQuestion::of(q))),
            );
            let so_far = done.fetch_add(chunk.len(), Ordering::Relaxed) + chunk.len();
            progress(so_far.min(total), total);
        }
        out
    };
    if threads < 2 {
        return work().into_iter().collect();
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
        let mut rendered: HashMap<String, RenderedQuestion> = HashMap::with_capacity(total);
        for handle in handles {
            // A thread only stops early on a bug (a panic); its questions are then rendered
            // when written (see `Rendered::question`).
            rendered.extend(handle.join().unwrap_or_default());
        }
        rendered
    })
}
