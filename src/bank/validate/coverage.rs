//! The coverage list (`coverage.yaml`): each entry names a seed item and the topics that
//! cover it.

use super::checker::Checker;
use crate::bank::model::CoverageEntry;
use crate::bank::yaml::Node;
use std::collections::HashSet;

impl Checker<'_> {
    pub(super) fn coverage_file(
        &mut self,
        root: &Node,
        topics: &HashSet<String>,
    ) -> Vec<CoverageEntry> {
        let mut out = Vec::new();
        let Some(fields) = self.fields(root, "the coverage list", &["format", "coverage"]) else {
            return out;
        };
        self.format_version(&fields, "the coverage list");
        let Some(list) = self.required(&fields, "coverage", "the coverage list") else {
            return out;
        };
        let Some(items) = self.list(list, "coverage") else {
            return out;
        };
        for item in items {
            let Some(f) = self.fields(item, "a coverage entry", &["seed", "item", "topics"]) else {
                continue;
            };
            let seed = self
                .required(&f, "seed", "this entry")
                .and_then(|n| self.non_empty_text(n, "seed"));
            let text = self
                .required(&f, "item", "this entry")
                .and_then(|n| self.non_empty_text(n, "item"));
            let mut ids = Vec::new();
            if let Some(n) = self.required(&f, "topics", "this entry") {
                for t in self.list(n, "topics").unwrap_or(&[]) {
                    if let Some(slug) = self.slug(t, "topic") {
                        if topics.contains(slug.as_str()) {
                            ids.push(slug);
                        } else {
                            self.report(
                                t.pos,
                                format!("topic \"{slug}\" is not in the topic tree"),
                            );
                        }
                    }
                }
            }
            if let (Some(seed), Some(item)) = (seed, text) {
                out.push(CoverageEntry {
                    seed,
                    item,
                    topics: ids,
                });
            }
        }
        out
    }
}
