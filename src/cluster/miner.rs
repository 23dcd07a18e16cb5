//! Template mining: grouping the masked texts of one system into templates.
//!
//! The miner works on batches (a system's distinct texts of one scan run, the
//! whole input for `errata cluster`) and remembers its templates between them
//! (a scan's miner starts from the stored templates):
//!
//! 1. Every text is normalised ([`super::tokenize`]): digit runs become `<*>`.
//!    Texts with the same normalised form share a template (a hash lookup, the
//!    fast path for repeated lines).
//! 2. A new form first tries the known templates: it joins one it fits
//!    (`<*>` matches any one token, or one or more in a variable-length template).
//! 3. The forms left are clustered together, per token count, in the spirit of
//!    Brain (Yu et al., 2023): the tokens of a form that share the most common
//!    frequency in the batch are its *root*; forms with the same root are one
//!    group; a group is split on any column with fewer than
//!    [`MIN_VARIABLE_VALUES`] distinct constants (a column with many distinct
//!    values is a variable, one with few is part of the message). Short forms
//!    (at most [`SHORT_MESSAGE_TOKENS`] tokens) merge only with exact duplicates.
//! 4. Groups of different token counts whose alignment differs only next to
//!    variables merge into one variable-length template, so a name or a free
//!    text of several words does not explode into one template per word count.
//! 5. A new group either generalises a known template of the same shape (which
//!    keeps its id; pinned templates never do) or becomes a new template whose
//!    id is the hash of its first form.
//!
//! Memory is bounded by [`MinerConfig::max_templates`]: once a system has that
//! many templates, new forms are still stored, but as exact templates (their
//! own text, id from their text) that the miner does not remember or cluster
//! further; [`TemplateMiner::overflow`] counts them for the scan summary.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::template_id;
use super::tokenize::{WILDCARD, is_variable, is_wildcard, normalise, residue};

/// Hash maps keyed by texts, hashed with one-shot xxh3 (far faster than SipHash
/// on the millions of lines a batch may hold).
pub type TextMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<TextHasher>>;

/// Hashes each written byte slice with xxh3, chained through the seed.
#[derive(Default)]
pub struct TextHasher(u64);

impl std::hash::Hasher for TextHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = xxhash_rust::xxh3::xxh3_64_with_seed(bytes, self.0);
    }

    fn write_u8(&mut self, byte: u8) {
        self.0 = self.0.rotate_left(8) ^ u64::from(byte);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Default cap on templates a miner keeps (one miner per system and key).
pub const DEFAULT_MAX_TEMPLATES: usize = 50_000;

/// A column with at least this many distinct constants in a group is a variable.
pub const MIN_VARIABLE_VALUES: usize = 4;

/// Forms with at most this many tokens merge only with exact duplicates.
pub const SHORT_MESSAGE_TOKENS: usize = 2;

/// Most normalised forms remembered for the fast path, per miner.
const MAX_EXACT_FORMS: usize = 1_000_000;

/// A template merge the rules ask for.
#[derive(Debug, Clone)]
pub enum MergeRule {
    /// These template ids become the first one.
    Ids(Vec<String>),
    /// Every template whose text matches becomes one template (id from the pattern).
    Pattern(regex::Regex),
}

/// How a miner clusters: the defaults plus the rules' curation.
#[derive(Debug, Clone)]
pub struct MinerConfig {
    pub max_templates: usize,
    /// Tokens never turned into variables.
    pub literals: HashSet<String>,
    /// Template ids that never generalise.
    pub pinned: HashSet<String>,
    pub merges: Vec<MergeRule>,
}

impl MinerConfig {
    /// The defaults with the rules' curation for one system.
    pub fn from_rules(rules: &crate::rules::Clustering, system: &str) -> MinerConfig {
        let merges = rules
            .merge
            .iter()
            .filter(|m| m.system.as_deref().is_none_or(|s| s == system))
            .flat_map(|m| {
                let ids = (!m.ids.is_empty()).then(|| MergeRule::Ids(m.ids.clone()));
                let pattern = m.pattern.as_ref().map(|p| MergeRule::Pattern(p.0.clone()));
                ids.into_iter().chain(pattern)
            })
            .collect();
        MinerConfig {
            max_templates: rules.max_templates.unwrap_or(DEFAULT_MAX_TEMPLATES),
            literals: rules.literals.iter().cloned().collect(),
            pinned: rules.pin.iter().cloned().collect(),
            merges,
        }
    }
}

impl Default for MinerConfig {
    fn default() -> Self {
        MinerConfig {
            max_templates: DEFAULT_MAX_TEMPLATES,
            literals: HashSet::new(),
            pinned: HashSet::new(),
            merges: Vec::new(),
        }
    }
}

/// The template an observation joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub id: String,
    pub template: String,
}

/// A known template and how close a text is to it, for `errata explain`.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub id: String,
    pub template: String,
    pub score: f64,
}

#[derive(Debug, Clone)]
struct Template {
    id: String,
    tokens: Vec<String>,
    /// Whether a `<*>` may stand for several tokens.
    variadic: bool,
    pinned: bool,
}

impl Template {
    fn text(&self) -> String {
        self.tokens.join(" ")
    }
}

/// Assigns masked texts of one system to templates; see the module docs.
#[derive(Debug)]
pub struct TemplateMiner {
    system: String,
    config: MinerConfig,
    templates: Vec<Template>,
    exact: TextMap<String, usize>,
    by_len: HashMap<usize, Vec<usize>>,
    by_id: HashMap<String, usize>,
    variadic: Vec<usize>,
    overflow: u64,
}

impl TemplateMiner {
    pub fn new(system: &str) -> TemplateMiner {
        TemplateMiner::with_config(system, MinerConfig::default())
    }

    pub fn with_config(system: &str, config: MinerConfig) -> TemplateMiner {
        TemplateMiner {
            system: system.to_string(),
            config,
            templates: Vec::new(),
            exact: TextMap::default(),
            by_len: HashMap::new(),
            by_id: HashMap::new(),
            variadic: Vec::new(),
            overflow: 0,
        }
    }

    /// Remembers a stored template, so new instances join it and it keeps its id.
    pub fn load(&mut self, id: &str, template: &str) {
        if self.templates.len() >= self.config.max_templates {
            return;
        }
        let tokens: Vec<String> = template.split_whitespace().map(str::to_string).collect();
        // The stored text does not say whether a `<*>` spans several tokens:
        // a stored template with variables is also tried as variable-length.
        let variadic = tokens.iter().any(|t| t == WILDCARD);
        self.add(Template {
            id: id.to_string(),
            pinned: self.config.pinned.contains(id),
            tokens,
            variadic,
        });
    }

    /// Templates kept in memory.
    pub fn len(&self) -> usize {
        self.templates.len()
    }

    pub fn is_empty(&self) -> bool {
        self.templates.is_empty()
    }

    /// Texts that got an exact template because the cap was reached.
    pub fn overflow(&self) -> u64 {
        self.overflow
    }

    /// The template for one masked text.
    pub fn assign(&mut self, masked: &str) -> Assignment {
        self.assign_batch(&[masked]).remove(0)
    }

    /// The templates for a batch of masked texts, in input order.
    pub fn assign_batch(&mut self, texts: &[&str]) -> Vec<Assignment> {
        let (templates, of_text) = self.assign_grouped(texts);
        of_text.into_iter().map(|i| templates[i].clone()).collect()
    }

    /// The distinct templates a batch of masked texts joined, and for each text
    /// the position of its template among them (no copy per text).
    pub fn assign_grouped(&mut self, texts: &[&str]) -> (Vec<Assignment>, Vec<usize>) {
        let (slots, form_of) = self.assign_indices(texts);
        let mut templates: Vec<Assignment> = Vec::new();
        let mut known: HashMap<usize, usize> = HashMap::new();
        let mut exact: HashMap<&str, usize> = HashMap::new();
        let of_form: Vec<usize> = slots
            .iter()
            .map(|slot| match slot {
                Slot::Known(i) => *known.entry(*i).or_insert_with(|| {
                    let t = &self.templates[*i];
                    templates.push(self.curated(&t.id, t.text()));
                    templates.len() - 1
                }),
                Slot::Exact(form) => *exact.entry(form.as_str()).or_insert_with(|| {
                    templates.push(self.curated(&template_id(&self.system, form), form.clone()));
                    templates.len() - 1
                }),
            })
            .collect();
        (templates, form_of.into_iter().map(|f| of_form[f]).collect())
    }

    /// Known templates nearest to a masked text, best first, with scores in 0..=1.
    pub fn nearest(&self, masked: &str, limit: usize) -> Vec<Scored> {
        let form = normalise(masked, &self.config.literals);
        let tokens: Vec<&str> = form.split(' ').filter(|t| !t.is_empty()).collect();
        let mut scored: Vec<Scored> = self
            .templates
            .iter()
            .map(|t| Scored {
                id: t.id.clone(),
                template: t.text(),
                score: similarity(&t.tokens, &tokens),
            })
            .collect();
        scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        scored.truncate(limit);
        scored
    }

    fn curated(&self, id: &str, template: String) -> Assignment {
        for rule in &self.config.merges {
            match rule {
                MergeRule::Ids(ids) if ids.iter().any(|i| i == id) => {
                    return Assignment {
                        id: ids[0].clone(),
                        template,
                    };
                }
                MergeRule::Pattern(re) if re.is_match(&template) => {
                    return Assignment {
                        id: template_id(&self.system, &format!("merge\0{}", re.as_str())),
                        template,
                    };
                }
                _ => {}
            }
        }
        Assignment {
            id: id.to_string(),
            template,
        }
    }

    /// The slot of each distinct normalised form, and the form of each text.
    fn assign_indices(&mut self, texts: &[&str]) -> (Vec<Slot>, Vec<usize>) {
        // Distinct normalised forms of the batch, with their weights.
        let mut form_of: Vec<usize> = Vec::with_capacity(texts.len());
        let mut forms: Vec<String> = Vec::new();
        let mut weights: Vec<u64> = Vec::new();
        let mut position: TextMap<String, usize> =
            TextMap::with_capacity_and_hasher(texts.len().min(1 << 20), Default::default());
        for text in texts {
            let form = normalise(text, &self.config.literals);
            let i = match position.get(&form) {
                Some(&i) => i,
                None => {
                    position.insert(form.clone(), forms.len());
                    forms.push(form);
                    weights.push(0);
                    forms.len() - 1
                }
            };
            weights[i] += 1;
            form_of.push(i);
        }
        let mut slot_of_form: Vec<Option<Slot>> = vec![None; forms.len()];
        let mut fresh: Vec<usize> = Vec::new();
        for (i, form) in forms.iter().enumerate() {
            if let Some(&t) = self.exact.get(form) {
                slot_of_form[i] = Some(Slot::Known(t));
            } else if let Some(t) = self.find(form) {
                self.remember(form, t);
                slot_of_form[i] = Some(Slot::Known(t));
            } else {
                fresh.push(i);
            }
        }
        let tokenised: Vec<Vec<&str>> = fresh
            .iter()
            .map(|&i| forms[i].split(' ').filter(|t| !t.is_empty()).collect())
            .collect();
        let fresh_weights: Vec<u64> = fresh.iter().map(|&i| weights[i]).collect();
        for group in cluster(&tokenised, &fresh_weights, &self.config.literals) {
            let slot = match self.place(group.tokens, group.variadic) {
                Some(t) => Some(t),
                None => {
                    self.overflow += group.members.iter().map(|&m| fresh_weights[m]).sum::<u64>();
                    None
                }
            };
            for &m in &group.members {
                let form = &forms[fresh[m]];
                slot_of_form[fresh[m]] = Some(match slot {
                    Some(t) => {
                        self.remember(form, t);
                        Slot::Known(t)
                    }
                    None => Slot::Exact(form.clone()),
                });
            }
        }
        let slots = slot_of_form
            .into_iter()
            .zip(forms)
            .map(|(slot, form)| slot.unwrap_or(Slot::Exact(form)))
            .collect();
        (slots, form_of)
    }

    fn remember(&mut self, form: &str, template: usize) {
        if self.exact.len() < MAX_EXACT_FORMS {
            self.exact.insert(form.to_string(), template);
        }
    }

    /// The most specific known template a normalised form fits.
    fn find(&self, form: &str) -> Option<usize> {
        let tokens: Vec<&str> = form.split(' ').filter(|t| !t.is_empty()).collect();
        let most_specific = |candidates: &mut dyn Iterator<Item = usize>| {
            candidates.max_by_key(|&t| {
                let constants = self.templates[t]
                    .tokens
                    .iter()
                    .filter(|t| !is_variable(t))
                    .count();
                (constants, std::cmp::Reverse(t))
            })
        };
        let fixed = self
            .by_len
            .get(&tokens.len())
            .into_iter()
            .flatten()
            .copied();
        most_specific(&mut fixed.filter(|&t| fits(&self.templates[t].tokens, &tokens))).or_else(
            || {
                most_specific(
                    &mut self
                        .variadic
                        .iter()
                        .copied()
                        .filter(|&t| glob_matches(&self.templates[t].tokens, &tokens)),
                )
            },
        )
    }

    /// Generalises a known template to cover `tokens`, or adds a new one;
    /// `None` when the cap is reached.
    fn place(&mut self, tokens: Vec<String>, variadic: bool) -> Option<usize> {
        if !variadic {
            let candidates = self.by_len.get(&tokens.len()).cloned().unwrap_or_default();
            for t in candidates {
                let known = &self.templates[t];
                if known.pinned || known.variadic {
                    continue;
                }
                if let Some(merged) = generalise(&known.tokens, &tokens, &self.config.literals) {
                    self.templates[t].tokens = merged;
                    return Some(t);
                }
            }
        }
        if self.templates.len() >= self.config.max_templates {
            return None;
        }
        let text = tokens.join(" ");
        let id = template_id(&self.system, &text);
        if let Some(&existing) = self.by_id.get(&id) {
            return Some(existing);
        }
        Some(self.add(Template {
            pinned: self.config.pinned.contains(&id),
            id,
            tokens,
            variadic,
        }))
    }

    fn add(&mut self, template: Template) -> usize {
        let i = self.templates.len();
        if template.variadic {
            self.variadic.push(i);
        }
        self.by_len
            .entry(template.tokens.len())
            .or_default()
            .push(i);
        self.by_id.entry(template.id.clone()).or_insert(i);
        self.templates.push(template);
        i
    }
}

#[derive(Debug, Clone)]
enum Slot {
    Known(usize),
    Exact(String),
}

/// A group of fresh forms (by index) and their shared template.
struct Group {
    tokens: Vec<String>,
    variadic: bool,
    members: Vec<usize>,
}

/// Whether a fixed-length template fits a form: equal tokens, or a `<*>`.
fn fits(template: &[String], tokens: &[&str]) -> bool {
    template.len() == tokens.len()
        && template
            .iter()
            .zip(tokens)
            .all(|(t, k)| t == k || t == WILDCARD)
}

/// Whether a variable-length template fits a form: each `<*>` takes one or more tokens.
fn glob_matches(template: &[String], tokens: &[&str]) -> bool {
    // matched[j]: the template prefix so far fits tokens[..j].
    let mut matched = vec![false; tokens.len() + 1];
    matched[0] = true;
    for t in template {
        let mut next = vec![false; tokens.len() + 1];
        if t == WILDCARD {
            let mut reachable = false;
            for j in 1..=tokens.len() {
                reachable |= matched[j - 1];
                next[j] = reachable;
            }
        } else {
            for j in 1..=tokens.len() {
                next[j] = matched[j - 1] && tokens[j - 1] == t;
            }
        }
        matched = next;
    }
    matched[tokens.len()]
}

/// A known template generalised to cover a new one of the same length, when
/// they share a constant and differ only in variables (a `<*>` on one side, or
/// tokens that are equal without their variables).
fn generalise(known: &[String], new: &[String], literals: &HashSet<String>) -> Option<Vec<String>> {
    let mut shared = 0;
    let mut merged = Vec::with_capacity(known.len());
    for (a, b) in known.iter().zip(new) {
        if a == b {
            shared += usize::from(!is_variable(a));
            merged.push(a.clone());
        } else if (is_wildcard(a) || is_wildcard(b) || (is_variable(a) && is_variable(b)))
            && !literals.contains(a)
            && !literals.contains(b)
        {
            merged.push(WILDCARD.to_string());
        } else {
            return None;
        }
    }
    (shared > 0).then_some(merged)
}

/// How close a normalised text is to a template, in 0..=1: 1 when the text fits
/// it, else 1 − Levenshtein distance over tokens ÷ the longer length, where a
/// `<*>` of the template matches any token (a variable of the text only `<*>`).
pub fn similarity(template: &[String], tokens: &[&str]) -> f64 {
    if fits(template, tokens) || glob_matches(template, tokens) {
        return 1.0;
    }
    #[derive(Clone, Copy)]
    struct Tok<'a> {
        text: &'a str,
        wildcard: bool,
    }
    impl PartialEq for Tok<'_> {
        fn eq(&self, other: &Self) -> bool {
            self.wildcard || other.wildcard || self.text == other.text
        }
    }
    let a: Vec<Tok<'_>> = template
        .iter()
        .map(|t| Tok {
            text: t,
            wildcard: t == WILDCARD,
        })
        .collect();
    let b: Vec<Tok<'_>> = tokens
        .iter()
        .map(|t| Tok {
            text: t,
            wildcard: false,
        })
        .collect();
    let longest = a.len().max(b.len());
    1.0 - strsim::generic_levenshtein(&a, &b) as f64 / longest.max(1) as f64
}

/// Clusters fresh forms (tokenised, with weights) into groups.
fn cluster(forms: &[Vec<&str>], weights: &[u64], literals: &HashSet<String>) -> Vec<Group> {
    let mut by_len: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, f) in forms.iter().enumerate() {
        by_len.entry(f.len()).or_default().push(i);
    }
    let mut groups = Vec::new();
    for (&n, members) in &by_len {
        let mut freq: HashMap<(usize, &str), u64> = HashMap::new();
        for &m in members {
            for (p, t) in forms[m].iter().enumerate() {
                if !is_wildcard(t) {
                    *freq.entry((p, t)).or_default() += weights[m];
                }
            }
        }
        // The root of a form: its constants with the frequency most of them share.
        let mut roots: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut root_key: HashMap<Vec<(usize, &str)>, usize> = HashMap::new();
        let mut root_cols: Vec<Vec<usize>> = Vec::new();
        for &m in members {
            let mut by_freq: BTreeMap<u64, usize> = BTreeMap::new();
            for (p, t) in forms[m].iter().enumerate() {
                if !is_wildcard(t) {
                    *by_freq.entry(freq[&(p, *t)]).or_default() += 1;
                }
            }
            let chosen = by_freq
                .iter()
                .max_by_key(|(f, count)| (**count, **f))
                .map(|(f, _)| *f)
                .unwrap_or(u64::MAX);
            let root: Vec<(usize, &str)> = forms[m]
                .iter()
                .enumerate()
                .filter(|(p, t)| !is_wildcard(t) && freq[&(*p, **t)] >= chosen)
                .map(|(p, t)| (p, *t))
                .collect();
            let next = root_key.len();
            let g = *root_key.entry(root.clone()).or_insert_with(|| {
                root_cols.push(root.iter().map(|(p, _)| *p).collect());
                next
            });
            roots.entry(g).or_default().push(m);
        }
        for (g, members) in roots {
            split(forms, members, n, &root_cols[g], literals, &mut groups);
        }
    }
    merge_variable_length(groups)
}

/// Splits a group on its columns with few distinct constants, recursively.
fn split(
    forms: &[Vec<&str>],
    members: Vec<usize>,
    n: usize,
    fixed: &[usize],
    literals: &HashSet<String>,
    out: &mut Vec<Group>,
) {
    let short = n <= SHORT_MESSAGE_TOKENS;
    let mut best: Option<(usize, usize)> = None;
    for col in (0..n).filter(|c| !fixed.contains(c)) {
        let tokens: HashSet<&str> = members.iter().map(|&m| forms[m][col]).collect();
        if tokens.len() < 2 || tokens.iter().any(|v| is_wildcard(v)) {
            continue;
        }
        // Tokens that differ only in their variables do not split a group.
        let values: HashSet<_> = tokens.iter().map(|t| residue(t)).collect();
        if values.len() < 2 {
            continue;
        }
        let splittable = short
            || values.len() < MIN_VARIABLE_VALUES
            || tokens.iter().any(|v| literals.contains(*v));
        if splittable && best.is_none_or(|(_, d)| values.len() < d) {
            best = Some((col, values.len()));
        }
    }
    if let Some((col, _)) = best {
        let mut parts: BTreeMap<_, Vec<usize>> = BTreeMap::new();
        for &m in &members {
            parts.entry(residue(forms[m][col])).or_default().push(m);
        }
        let mut fixed = fixed.to_vec();
        fixed.push(col);
        for (_, part) in parts {
            split(forms, part, n, &fixed, literals, out);
        }
        return;
    }
    let first = &forms[members[0]];
    let tokens = (0..n)
        .map(|col| {
            if members.iter().all(|&m| forms[m][col] == first[col]) {
                first[col].to_string()
            } else {
                WILDCARD.to_string()
            }
        })
        .collect();
    out.push(Group {
        tokens,
        variadic: false,
        members,
    });
}

/// Merges groups of different lengths whose templates align except next to
/// variables (a name or free text of several words), into variable-length templates.
fn merge_variable_length(groups: Vec<Group>) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::with_capacity(groups.len());
    let mut blocks: HashMap<String, Vec<usize>> = HashMap::new();
    for group in groups {
        let constants = group.tokens.iter().filter(|t| !is_variable(t)).count();
        if constants < MIN_ALIGNED_CONSTANTS || !group.tokens.iter().any(|t| is_variable(t)) {
            out.push(group);
            continue;
        }
        // Only templates sharing their first constant are compared.
        let Some(block) = group.tokens.iter().find(|t| !is_variable(t)).cloned() else {
            out.push(group);
            continue;
        };
        let candidates = blocks.entry(block).or_default();
        let merged_into = candidates.iter().copied().find_map(|o| {
            let other = &out[o];
            if other.tokens.len() == group.tokens.len() && !other.variadic {
                return None;
            }
            align(&other.tokens, &group.tokens).map(|tokens| (o, tokens))
        });
        match merged_into {
            Some((o, tokens)) => {
                out[o].tokens = tokens;
                out[o].variadic = true;
                out[o].members.extend(group.members);
            }
            None => {
                candidates.push(out.len());
                out.push(group);
            }
        }
    }
    out
}

/// Constants two templates must share to merge across lengths.
const MIN_ALIGNED_CONSTANTS: usize = 2;

/// Tokens of one or both templates between two common tokens.
#[derive(Default)]
struct Gap {
    /// Whether the common token before it is a variable.
    after_variable: bool,
    /// Tokens and variables of the gap, from `a` and from `b`.
    a: (usize, usize),
    b: (usize, usize),
    /// Whether, token by token, the two sides differ in more than variables
    /// (a replacement of as many tokens on each side is a column-wise one).
    constants_differ: bool,
}

impl Gap {
    /// A gap replacing tokens on both sides must touch a variable on each side;
    /// one inserting tokens on one side must be variables mostly (`(<*> KB)`),
    /// not words (`invalid user`); at either end of the templates only a
    /// replacement is accepted: an optional leading or trailing part makes
    /// another message.
    fn acceptable(&self, before_variable: bool, at_edge: bool) -> bool {
        let context = self.after_variable || before_variable;
        let touches = |(tokens, variables): (usize, usize)| tokens == 0 || variables > 0 || context;
        let mostly_variables = |(tokens, variables): (usize, usize)| variables * 2 >= tokens;
        match (self.a.0 > 0, self.b.0 > 0) {
            (true, true) if self.a.0 == self.b.0 => !self.constants_differ,
            (true, true) => touches(self.a) && touches(self.b),
            (true, false) => !at_edge && mostly_variables(self.a),
            (false, true) => !at_edge && mostly_variables(self.b),
            (false, false) => true,
        }
    }
}

/// The variable-length template covering `a` and `b`, when their longest common
/// token subsequence keeps most constants of each and every gap touches a variable.
fn align(a: &[String], b: &[String]) -> Option<Vec<String>> {
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u16; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut merged: Vec<String> = Vec::new();
    let mut shared_constants = 0;
    let mut shared_tokens = 0;
    let mut gap: Option<Gap> = None;
    let push_wildcard = |merged: &mut Vec<String>| {
        if merged.last().is_none_or(|t| t != WILDCARD) {
            merged.push(WILDCARD.to_string());
        }
    };
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            let variable = is_variable(&a[i]);
            if let Some(g) = gap.take()
                && !g.acceptable(variable, shared_tokens == 0)
            {
                return None;
            }
            shared_tokens += 1;
            if variable {
                if merged.last().is_none_or(|t| t != WILDCARD) {
                    merged.push(a[i].clone());
                }
            } else {
                shared_constants += 1;
                merged.push(a[i].clone());
            }
            i += 1;
            j += 1;
            continue;
        }
        let from_a = j >= m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1]);
        let token = if from_a {
            i += 1;
            &a[i - 1]
        } else {
            j += 1;
            &b[j - 1]
        };
        let g = gap.get_or_insert(Gap {
            after_variable: merged.last().is_some_and(|t| is_variable(t)),
            ..Gap::default()
        });
        if !from_a && g.b.0 < g.a.0 {
            let other = &a[i - g.a.0 + g.b.0];
            g.constants_differ |=
                !is_wildcard(token) && !is_wildcard(other) && residue(token) != residue(other);
        }
        let side = if from_a { &mut g.a } else { &mut g.b };
        side.0 += 1;
        side.1 += usize::from(is_variable(token));
        push_wildcard(&mut merged);
    }
    if let Some(g) = gap
        && !g.acceptable(false, true)
    {
        return None;
    }
    let constants = |t: &[String]| t.iter().filter(|t| !is_variable(t)).count();
    let enough = |total: usize| shared_constants * 3 >= total * 2;
    (shared_constants >= MIN_ALIGNED_CONSTANTS && enough(constants(a)) && enough(constants(b)))
        .then_some(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(miner: &mut TemplateMiner, texts: &[&str]) -> Vec<String> {
        miner
            .assign_batch(texts)
            .into_iter()
            .map(|a| a.id)
            .collect()
    }

    #[test]
    fn short_messages_merge_only_with_exact_duplicates() {
        let mut miner = TemplateMiner::new("web");
        let got = ids(
            &mut miner,
            &[
                "Доступ запрещён",
                "Доступ разрешён",
                "Доступ закрыт",
                "Доступ открыт",
                "Доступ запрещён",
            ],
        );
        assert_eq!(got[0], got[4]);
        let distinct: HashSet<&String> = got.iter().collect();
        assert_eq!(distinct.len(), 4, "two-token texts stay apart");
    }

    #[test]
    fn variables_become_wildcards_and_wildcards_match_anything() {
        let mut miner = TemplateMiner::new("web");
        let names = ["Ivanov", "Petrov", "Sidorov", "Smirnov", "Kuznetsov"];
        let texts: Vec<String> = names
            .iter()
            .map(|n| format!("Client {n} exceeded the daily limit on card <CARD>"))
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let got = miner.assign_batch(&refs);
        assert!(got.iter().all(|a| a.id == got[0].id));
        assert_eq!(
            got[0].template,
            "Client <*> exceeded the daily limit on card <CARD>"
        );
        // A later text with a new value joins the template through its wildcard.
        let later = miner.assign("Client Popov exceeded the daily limit on card <CARD>");
        assert_eq!(later.id, got[0].id);
        // Numbers are variables even when no mask caught them.
        let a = miner.assign("Ошибка 500: сервис недоступен, повторите позже");
        let b = miner.assign("Ошибка 503: сервис недоступен, повторите позже");
        assert_eq!(a.id, b.id);
        assert_eq!(a.template, "Ошибка <*>: сервис недоступен, повторите позже");
    }

    #[test]
    fn multi_word_variables_do_not_explode() {
        let mut miner = TemplateMiner::new("web");
        let names = [
            "Иван Петров",
            "Анна Смирнова",
            "Олег Иванов",
            "Пётр Сидоров",
            "Анна Мария Шмидт",
            "Жан Поль Сартр",
            "Ли Мин Хо",
            "Хуан Карлос Гарсия",
        ];
        let texts: Vec<String> = names
            .iter()
            .map(|n| format!("Уважаемый {n} , ваша заявка номер <NUM> одобрена банком"))
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let got = miner.assign_batch(&refs);
        let distinct: HashSet<&String> = got.iter().map(|a| &a.id).collect();
        assert_eq!(distinct.len(), 1, "{got:?}");
        assert_eq!(
            got[0].template,
            "Уважаемый <*> , ваша заявка номер <NUM> одобрена банком"
        );
        let later = miner.assign(
            "Уважаемый Мария Луиза Тереза Австрийская , ваша заявка номер <NUM> одобрена банком",
        );
        assert_eq!(&later.id, *distinct.iter().next().unwrap());
    }

    #[test]
    fn different_messages_of_one_shape_stay_apart() {
        let mut miner = TemplateMiner::new("web");
        let got = ids(
            &mut miner,
            &[
                "Connection closed by <IP> port <NUM>",
                "Connection reset by <IP> port <NUM>",
                "Connection closed by <IP> port <NUM>",
            ],
        );
        assert_eq!(got[0], got[2]);
        assert_ne!(got[0], got[1]);
    }

    #[test]
    fn ids_are_stable_across_runs_and_generalisation() {
        let mut first = TemplateMiner::new("abs");
        let a = first.assign("Invalid user admin from <IP>");
        // A later run starts from the stored template and generalises it.
        let mut second = TemplateMiner::new("abs");
        second.load(&a.id, &a.template);
        let texts = [
            "Invalid user guest from <IP>",
            "Invalid user oracle from <IP>",
            "Invalid user test from <IP>",
            "Invalid user ftp from <IP>",
        ];
        let got = second.assign_batch(&texts);
        assert!(got.iter().all(|g| g.id == a.id), "{got:?}");
        assert_eq!(got[0].template, "Invalid user <*> from <IP>");
        assert_eq!(second.assign("Invalid user admin from <IP>").id, a.id);
    }

    #[test]
    fn curation_pins_keeps_literals_and_merges() {
        let texts = [
            "Payment via SOCKS proxy failed",
            "Payment via HTTPS proxy failed",
            "Payment via HTTP proxy failed",
            "Payment via SSH proxy failed",
            "Payment via FTP proxy failed",
        ];
        let mut plain = TemplateMiner::new("web");
        let merged: HashSet<String> = ids(&mut plain, &texts).into_iter().collect();
        assert_eq!(merged.len(), 1);

        let literal = MinerConfig {
            literals: ["SOCKS".to_string()].into(),
            ..MinerConfig::default()
        };
        let mut miner = TemplateMiner::with_config("web", literal);
        let got = ids(&mut miner, &texts);
        assert_ne!(got[0], got[1], "a literal token is never a variable");

        let pinned_id = template_id("web", "Payment via SOCKS proxy failed");
        let pin = MinerConfig {
            pinned: [pinned_id.clone()].into(),
            ..MinerConfig::default()
        };
        let mut miner = TemplateMiner::with_config("web", pin);
        miner.load(&pinned_id, "Payment via SOCKS proxy failed");
        let got = miner.assign_batch(&texts);
        assert_eq!(got[0].id, pinned_id);
        assert!(
            got[1..].iter().all(|g| g.id != pinned_id),
            "a pinned template never generalises"
        );

        let merge = MinerConfig {
            merges: vec![
                MergeRule::Ids(vec!["aaaa".into(), template_id("web", "Card blocked")]),
                MergeRule::Pattern(regex::Regex::new("^Limit").unwrap()),
            ],
            ..MinerConfig::default()
        };
        let mut miner = TemplateMiner::with_config("web", merge);
        assert_eq!(miner.assign("Card blocked").id, "aaaa");
        assert_eq!(
            miner.assign("Limit exceeded today").id,
            miner.assign("Limit reached").id
        );
    }

    #[test]
    fn the_cap_keeps_overflow_as_exact_templates() {
        let config = MinerConfig {
            max_templates: 2,
            ..MinerConfig::default()
        };
        let mut miner = TemplateMiner::with_config("web", config);
        let got = miner.assign_batch(&["Alpha one", "Beta two", "Gamma three", "Delta four"]);
        assert_eq!(miner.len(), 2);
        assert_eq!(miner.overflow(), 2);
        assert_eq!(got[3].template, "Delta four");
        assert_eq!(got[3].id, template_id("web", "Delta four"));
    }

    #[test]
    fn nearest_templates_are_scored() {
        let mut miner = TemplateMiner::new("web");
        miner.assign("Card <CARD> is blocked by the bank");
        miner.assign("Account <ACCOUNT> is closed");
        let near = miner.nearest("Card <CARD> is blocked by bank", 2);
        assert_eq!(near.len(), 2);
        assert!(near[0].score > near[1].score);
        assert!(near[0].template.starts_with("Card"));
    }
}
