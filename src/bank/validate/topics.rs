//! The topic tree (`topics.yaml`): ids unique across the tree, at most three levels deep.

use super::checker::Checker;
use crate::bank::model::{Slug, Topic};
use crate::bank::yaml::{Node, Pos};
use std::collections::HashMap;

impl Checker<'_> {
    pub(super) fn topics_file(
        &mut self,
        root: &Node,
        origin: &mut HashMap<String, (String, Pos)>,
    ) -> Vec<Topic> {
        let mut out = Vec::new();
        let Some(fields) = self.fields(root, "the topic tree", &["format", "topics"]) else {
            return out;
        };
        self.format_version(&fields, "the topic tree");
        if let Some(list) = self.required(&fields, "topics", "the topic tree") {
            if let Some(items) = self.list(list, "topics") {
                self.topic_nodes(items, None, 1, &mut out, origin);
            }
        }
        out
    }

    fn topic_nodes(
        &mut self,
        items: &[Node],
        parent: Option<&Slug>,
        depth: u32,
        out: &mut Vec<Topic>,
        origin: &mut HashMap<String, (String, Pos)>,
    ) {
        for item in items {
            let Some(fields) = self.fields(item, "a topic", &["id", "title", "children"]) else {
                continue;
            };
            let id = self
                .required(&fields, "id", "this topic")
                .and_then(|n| self.slug(n, "topic id"));
            let title = self.required_text(&fields, "title", "this topic");
            let id_pos = fields.values.get("id").map(|n| n.pos).unwrap_or(item.pos);
            if let (Some(id), Some(title)) = (id.clone(), title) {
                if let Some((other_path, other_pos)) = origin.get(id.as_str()) {
                    let msg = format!(
                        "topic id \"{id}\" is used twice in the tree (also at {other_path}:{}:{})",
                        other_pos.line, other_pos.column
                    );
                    self.report(id_pos, msg);
                } else {
                    origin.insert(id.as_str().to_owned(), (self.path.to_owned(), id_pos));
                    out.push(Topic {
                        id,
                        title,
                        parent: parent.cloned(),
                        position: u32::try_from(out.len()).unwrap_or(u32::MAX),
                    });
                }
            }
            if let Some(children) = fields.values.get("children") {
                if depth >= 3 {
                    self.report(children.pos, "topics nest at most three levels deep");
                } else if let Some(items) = self.list(children, "children") {
                    self.topic_nodes(items, id.as_ref(), depth + 1, out, origin);
                }
            }
        }
    }
}
