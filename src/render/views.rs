//! What each page shows: the views templates see, and the list of pages.

use super::*;

#[derive(Serialize)]
pub(super) struct SiteView<'a> {
    pub(super) title: &'a str,
    pub(super) description: &'a str,
    pub(super) base_url: &'a str,
    pub(super) language: &'a str,
    /// Each kind's graph colour, as a JSON object for the graph script.
    pub(super) kind_colors: String,
}

#[derive(Serialize, Clone)]
pub(super) struct KindView {
    pub(super) name: String,
    pub(super) label: String,
    pub(super) url: String,
    pub(super) count: usize,
    pub(super) color: String,
}

#[derive(Serialize)]
pub(super) struct HomeKind<'a> {
    #[serde(flatten)]
    pub(super) kind: KindView,
    /// The most linked-to notes of the kind.
    pub(super) notes: Vec<&'a tera::Value>,
}

#[derive(Serialize)]
pub(super) struct TagView<'a> {
    pub(super) name: &'a str,
    pub(super) url: String,
    pub(super) count: usize,
}

pub(super) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

#[derive(Serialize)]
pub(super) struct YearGroup<'a> {
    pub(super) year: String,
    pub(super) months: Vec<MonthGroup<'a>>,
}

#[derive(Serialize)]
pub(super) struct MonthGroup<'a> {
    /// English month name, empty for dates with only a year.
    pub(super) month: &'static str,
    pub(super) notes: Vec<TimelineItem<'a>>,
}

#[derive(Serialize)]
pub(super) struct TimelineItem<'a> {
    #[serde(flatten)]
    pub(super) note: &'a tera::Value,
    pub(super) tags: &'a [String],
}

#[derive(Serialize)]
pub(super) struct PartView<'a> {
    pub(super) text: &'a str,
    pub(super) url: Option<String>,
    pub(super) missing: bool,
}

#[derive(Serialize)]
pub(super) struct FieldView<'a> {
    pub(super) key: &'a str,
    pub(super) values: Vec<Vec<PartView<'a>>>,
}

#[derive(Serialize)]
pub(super) struct BacklinkView<'a> {
    pub(super) note: &'a tera::Value,
    pub(super) snippets: Vec<&'a Snippet>,
}

#[derive(Serialize)]
pub(super) struct RelationView<'a> {
    pub(super) name: &'a str,
    pub(super) notes: Vec<&'a tera::Value>,
}

#[derive(Serialize)]
pub(super) struct NoteView<'a> {
    pub(super) title: &'a str,
    /// The id of the `# Heading` the title was taken from, so links to
    /// that heading land on the page's title.
    pub(super) title_id: Option<&'a str>,
    /// Markup and JSON made by Dossier, marked safe: printed as they are,
    /// without a `safe` filter copying them on every page.
    pub(super) json_ld: tera::Value,
    pub(super) cssclasses: &'a [String],
    pub(super) kind: Option<&'a str>,
    pub(super) kind_label: Option<&'a str>,
    pub(super) kind_url: Option<&'a str>,
    pub(super) aliases: &'a [String],
    pub(super) tags: Vec<TagView<'a>>,
    pub(super) date: Option<&'a str>,
    pub(super) description: Option<&'a str>,
    pub(super) fields: Vec<FieldView<'a>>,
    pub(super) content: tera::Value,
    pub(super) toc: Vec<&'a Heading>,
    /// The first [`BACKLINK_SNIPPETS_SHOWN`] notes linking here, with their sentences.
    pub(super) backlinks: Vec<BacklinkView<'a>>,
    /// The next [`MORE_BACKLINKS_SHOWN`], by name only: a hub note's page
    /// stays a sensible size however many notes link to it.
    pub(super) more_backlinks: Vec<&'a tera::Value>,
    pub(super) backlinks_total: usize,
    pub(super) relations: Vec<RelationView<'a>>,
    pub(super) inverse_relations: Vec<RelationView<'a>>,
    pub(super) timeline: Vec<&'a tera::Value>,
    pub(super) mentions: Vec<BacklinkView<'a>>,
    pub(super) mentions_total: usize,
    pub(super) local_graph: tera::Value,
    pub(super) path: &'a str,
    pub(super) url: &'a str,
}

/// Where a page of a long list is among its pages.
#[derive(Serialize)]
pub(super) struct Pager {
    /// This page's number, from 1.
    page: usize,
    pages: usize,
    /// Links to the previous and next pages, from the site root.
    prev: Option<String>,
    next: Option<String>,
}

/// Page `n` (from 1) of `ids`, [`registry::NOTES_PER_PAGE`] to a page.
fn page_of(ids: &[NoteId], n: usize) -> &[NoteId] {
    let start = (n.saturating_sub(1) * registry::NOTES_PER_PAGE).min(ids.len());
    let end = (start + registry::NOTES_PER_PAGE).min(ids.len());
    &ids[start..end]
}

/// What a template page shows; serialized into a hash for [`Renderer::fingerprint`].
#[derive(Serialize)]
#[serde(untagged)]
pub(super) enum PageData<'a> {
    Note(Box<NoteView<'a>>),
    Kind {
        kind: KindView,
        notes: Vec<&'a tera::Value>,
        pager: Pager,
    },
    Tag {
        tag: TagView<'a>,
        notes: Vec<&'a tera::Value>,
        pager: Pager,
    },
    Tags {
        tags: Vec<TagView<'a>>,
    },
    Timeline {
        years: Vec<YearGroup<'a>>,
        pager: Pager,
        tags: Vec<TagView<'a>>,
    },
    Graph {
        graph: Vec<explore::GraphListing<'a>>,
        /// Published notes, of which `graph` lists the most connected.
        note_total: usize,
    },
    Home {
        recent: Vec<&'a tera::Value>,
        note_count: usize,
        kinds: Vec<HomeKind<'a>>,
        top_tags: Vec<TagView<'a>>,
    },
    NotFound,
}

/// A page ready for its template: where it goes and what it shows.
pub(super) struct Prepared<'a> {
    pub(super) template: &'static str,
    /// URL relative to the site root (`actors/wang-xiaohong/`).
    pub(super) url: String,
    pub(super) title: String,
    pub(super) data: PageData<'a>,
}

impl<'a> Renderer<'a> {
    /// Every page made from a template ([`registry::pages`]).
    pub fn pages(&self) -> Vec<Page> {
        registry::pages(self.library, self.config)
    }

    /// Page `n` of a list of `total` notes whose first page is at `base`.
    fn pager(&self, base: &str, n: usize, total: usize) -> Pager {
        let pages = registry::page_count(total);
        let link = |n: usize| page_link(self.config, &registry::paged_url(base, n));
        Pager {
            page: n,
            pages,
            prev: (n > 1).then(|| link(n - 1)),
            next: (n < pages).then(|| link(n + 1)),
        }
    }

    pub(super) fn published(&self) -> impl Iterator<Item = NoteId> + '_ {
        (0..self.library.notes.len()).filter(|&id| self.library.published[id])
    }

    /// Published notes of the kind at `k` in `[[kinds]]`, by title.
    /// Made once per renderer: every page of a kind's index reads it.
    pub(super) fn notes_of_kind(&self, k: usize) -> &[NoteId] {
        self.kind_notes[k].get_or_init(|| {
            let lib = self.library;
            let name = &self.config.kinds[k].name;
            let mut ids: Vec<NoteId> = self
                .published()
                .filter(|&id| lib.notes[id].kind.as_ref() == Some(name))
                .collect();
            lib.sort_by_title(&mut ids);
            ids
        })
    }

    pub(super) fn tag_view(&self, tag: &'a crate::link::Tag) -> TagView<'a> {
        TagView {
            name: &tag.name,
            url: page_link(self.config, &tag_url(&tag.name)),
            count: tag.notes.len(),
        }
    }

    /// Everything a page shows except a note's body, which is rendered only
    /// when the page must be written.
    pub(super) fn prepare(&self, page: &Page) -> Prepared<'_> {
        let lib = self.library;
        match page {
            Page::Note(id) => {
                let note = &lib.notes[*id];
                Prepared {
                    template: "note.html",
                    url: note.url.clone(),
                    title: note.title.clone(),
                    data: PageData::Note(Box::new(self.note_view(*id))),
                }
            }
            Page::Kind(k, n) => {
                let kind = &self.config.kinds[*k];
                let ids = self.notes_of_kind(*k);
                let base = kind_url(&kind.folder);
                Prepared {
                    template: "kind.html",
                    url: registry::paged_url(&base, *n),
                    title: kind.label.clone(),
                    data: PageData::Kind {
                        kind: self.nav[*k].clone(),
                        notes: page_of(ids, *n)
                            .iter()
                            .map(|&id| self.note_ref(id))
                            .collect(),
                        pager: self.pager(&base, *n, ids.len()),
                    },
                }
            }
            Page::Tag(key, n) => {
                let tag = &lib.tags[key];
                let base = tag_url(&tag.name);
                Prepared {
                    template: "tag.html",
                    url: registry::paged_url(&base, *n),
                    title: format!("#{}", tag.name),
                    data: PageData::Tag {
                        tag: self.tag_view(tag),
                        notes: page_of(&tag.notes, *n)
                            .iter()
                            .map(|&id| self.note_ref(id))
                            .collect(),
                        pager: self.pager(&base, *n, tag.notes.len()),
                    },
                }
            }
            Page::Timeline(n) => {
                let mut years: Vec<YearGroup> = Vec::new();
                // Oldest first, as a timeline reads.
                let dated = self.dated.len();
                // `dated` is newest first: page `n` of the oldest-first list
                // is a slice counted from its end.
                let end = dated.saturating_sub(n.saturating_sub(1) * registry::NOTES_PER_PAGE);
                let start = end.saturating_sub(registry::NOTES_PER_PAGE);
                for &id in self.dated[start..end].iter().rev() {
                    let note = &lib.notes[id];
                    let date = note.date.as_deref().unwrap_or_default();
                    let year = date.get(..4).unwrap_or(date).to_string();
                    let month = date
                        .get(5..7)
                        .and_then(|m| m.parse::<usize>().ok())
                        .filter(|m| (1..=12).contains(m));
                    let month = month.map_or("", |m| MONTHS[m - 1]);
                    if years.last().is_none_or(|y| y.year != year) {
                        years.push(YearGroup {
                            year: year.clone(),
                            months: Vec::new(),
                        });
                    }
                    let months = &mut years.last_mut().expect("pushed above").months;
                    if months.last().is_none_or(|m| m.month != month) {
                        months.push(MonthGroup {
                            month,
                            notes: Vec::new(),
                        });
                    }
                    let item = TimelineItem {
                        note: self.note_ref(id),
                        tags: &note.tags,
                    };
                    months.last_mut().expect("pushed above").notes.push(item);
                }
                Prepared {
                    template: "timeline.html",
                    url: registry::paged_url("timeline/", *n),
                    title: "Timeline".into(),
                    data: PageData::Timeline {
                        pager: self.pager("timeline/", *n, dated),
                        years,
                        tags: lib.tags.values().map(|t| self.tag_view(t)).collect(),
                    },
                }
            }
            Page::Graph => Prepared {
                template: "graph.html",
                url: "graph/".into(),
                title: "Graph".into(),
                data: PageData::Graph {
                    graph: explore::listing(lib, &self.note_links),
                    note_total: self.published().count(),
                },
            },
            Page::Tags => Prepared {
                template: "tags.html",
                url: "tags/".into(),
                title: "Tags".into(),
                data: PageData::Tags {
                    tags: lib.tags.values().map(|t| self.tag_view(t)).collect(),
                },
            },
            Page::Home => {
                let recent = &self.dated[..self.dated.len().min(self.config.recent_count)];
                let kinds = self
                    .config
                    .kinds
                    .iter()
                    .zip(&self.nav)
                    .map(|(kind, view)| {
                        let mut ids: Vec<NoteId> = self
                            .published()
                            .filter(|&id| lib.notes[id].kind.as_deref() == Some(&kind.name))
                            .collect();
                        ids.sort_by_cached_key(|&id| {
                            (
                                std::cmp::Reverse(lib.backlinks[id].len()),
                                lib.notes[id].title.to_lowercase(),
                            )
                        });
                        ids.truncate(HOME_NOTES_PER_KIND);
                        HomeKind {
                            kind: view.clone(),
                            notes: ids.iter().map(|&id| self.note_ref(id)).collect(),
                        }
                    })
                    .collect();
                let mut top_tags: Vec<TagView> =
                    lib.tags.values().map(|t| self.tag_view(t)).collect();
                top_tags.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(b.name)));
                top_tags.truncate(HOME_TAGS);
                Prepared {
                    template: "index.html",
                    url: String::new(),
                    title: self.config.title.clone(),
                    data: PageData::Home {
                        recent: recent.iter().map(|&id| self.note_ref(id)).collect(),
                        note_count: self.published().count(),
                        kinds,
                        top_tags,
                    },
                }
            }
            Page::NotFound => Prepared {
                template: "404.html",
                url: String::new(),
                title: "Page not found".into(),
                data: PageData::NotFound,
            },
        }
    }

    pub(super) fn note_view<'r>(&'r self, id: NoteId) -> NoteView<'r> {
        let lib = self.library;
        let note = &lib.notes[id];
        let kind = self.kind_of(id);
        let fields = note
            .fields
            .iter()
            .zip(&lib.fields[id])
            .map(|(field, values)| FieldView {
                key: &field.key,
                values: values
                    .iter()
                    .map(|parts| {
                        parts
                            .iter()
                            .map(|part| match part {
                                Part::Text(text) => PartView {
                                    text,
                                    url: None,
                                    missing: false,
                                },
                                Part::Link { label, target } => PartView {
                                    text: label,
                                    url: self.resolved_url("", target),
                                    missing: matches!(target, Resolved::Missing(_)),
                                },
                            })
                            .collect()
                    })
                    .collect(),
            })
            .collect();
        let relation_views = |list: &'r [(String, Vec<NoteId>)]| -> Vec<RelationView<'r>> {
            list.iter()
                .map(|(name, ids)| RelationView {
                    name,
                    notes: ids.iter().map(|&i| self.note_ref(i)).collect(),
                })
                .collect()
        };
        NoteView {
            title: &note.title,
            json_ld: tera::Value::safe_string(&jsonld::note_json_ld(
                lib,
                self.config,
                &self.note_links,
                id,
            )),
            cssclasses: &note.cssclasses,
            kind: kind.map(|k| k.name.as_str()),
            kind_label: kind.map(|k| k.label.as_str()),
            kind_url: kind
                .and_then(|k| self.nav.iter().find(|v| v.name == k.name))
                .map(|v| &*v.url),
            aliases: &note.aliases,
            tags: note
                .tags
                .iter()
                .filter_map(|t| lib.tags.get(&t.to_lowercase()))
                .map(|t| self.tag_view(t))
                .collect(),
            date: note.date.as_deref(),
            description: note.description.as_deref(),
            fields,
            content: tera::Value::safe_string(""),
            title_id: note
                .scan
                .headings
                .iter()
                .find(|h| note.title_from_h1 && h.level == 1 && h.text == note.title)
                .map(|h| h.id.as_str()),
            toc: note
                .scan
                .headings
                .iter()
                .filter(|h| !(note.title_from_h1 && h.level == 1 && h.text == note.title))
                .collect(),
            backlinks: lib.backlinks[id]
                .iter()
                .take(BACKLINK_SNIPPETS_SHOWN)
                .map(|b| BacklinkView {
                    note: self.note_ref(b.source),
                    snippets: b
                        .links
                        .iter()
                        .map(|&i| &lib.notes[b.source].scan.links[i].context)
                        .collect(),
                })
                .collect(),
            more_backlinks: lib.backlinks[id]
                .iter()
                .skip(BACKLINK_SNIPPETS_SHOWN)
                .take(MORE_BACKLINKS_SHOWN)
                .map(|b| self.note_ref(b.source))
                .collect(),
            backlinks_total: lib.backlinks[id].len(),
            relations: relation_views(&lib.relations[id]),
            inverse_relations: relation_views(&lib.inverse_relations[id]),
            timeline: self
                .note_timeline(id)
                .into_iter()
                .map(|i| self.note_ref(i))
                .collect(),
            mentions: lib.mentions[id]
                .iter()
                .take(MENTIONS_SHOWN)
                .map(|m| BacklinkView {
                    note: self.note_ref(m.source),
                    snippets: vec![&m.context],
                })
                .collect(),
            mentions_total: lib.mentions[id].len(),
            local_graph: tera::Value::safe_string(&explore::local_graph(
                lib,
                self.config,
                &|i| self.graph_node(i),
                id,
            )),
            path: &note.path,
            url: self.note_link(id),
        }
    }

    /// For notes of kinds with a timeline (actors and topics unless
    /// `site.toml` says otherwise): the dated notes that link to this one or
    /// that it links to, oldest first.
    pub(super) fn note_timeline(&self, id: NoteId) -> Vec<NoteId> {
        let lib = self.library;
        if !self.kind_of(id).is_some_and(|k| k.timeline()) {
            return Vec::new();
        }
        let mut ids: Vec<NoteId> = lib.backlinks[id].iter().map(|b| b.source).collect();
        ids.extend(lib.links[id].iter().filter_map(|r| match r {
            Resolved::Note { id, .. } => Some(*id),
            _ => None,
        }));
        ids.extend(
            lib.relations[id]
                .iter()
                .chain(&lib.inverse_relations[id])
                .flat_map(|(_, ids)| ids.iter().copied()),
        );
        ids.retain(|&other| other != id && lib.published[other] && lib.notes[other].date.is_some());
        ids.sort_unstable_by_key(|&other| self.chrono_rank[other]);
        ids.dedup();
        ids
    }
}
