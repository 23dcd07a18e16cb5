//! Locales of catalog files, from their names, folders and root keys.
//!
//! Every catalog scanner asks the same question ("which language is this file
//! in?"), so the conventions of the usual toolchains live here once: Java
//! bundles (`messages_pt_BR.properties`), per-locale files (`ru.json`,
//! `messages.ru.yaml`, `Resources.ru.resx`), Android resource folders
//! (`values-ru/`, `values-pt-rBR/`), gettext trees (`ru/LC_MESSAGES/`) and
//! locale folders (`locales/ru/`). Only ISO 639-1 language codes count, so that
//! `error_codes.json` or `app/` are never taken for a language.
//!
//! Locales are normalised to `ll` or `ll_RR` (`pt-BR`, `pt_br` → `pt_BR`;
//! scripts as in `sr_Latn`), so that translations of one key in files named in
//! different styles line up.

/// ISO 639-1 two-letter language codes.
const LANGUAGES: &str = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce \
ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha \
he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku \
kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv \
ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st \
su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu";

/// Folder names under which a folder named after a locale holds that locale's files.
const LOCALE_CONTAINERS: &[&str] = &[
    "locale",
    "locales",
    "i18n",
    "l10n",
    "lang",
    "langs",
    "languages",
    "translations",
];

/// The locale a catalog file's path names, if any (see the module docs for the
/// conventions recognised). The file name wins over its folders.
pub fn locale_from_path(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
    let (file, dirs) = parts.split_last()?;
    from_file_name(file).or_else(|| from_dirs(dirs))
}

fn from_file_name(file: &str) -> Option<String> {
    // The stem without the last extension: `messages.ru.yaml` → `messages.ru`.
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    if let Some(l) = normalise_locale(stem) {
        return Some(l);
    }
    // `messages.ru`, `Resources.ru` (Symfony, .resx, XLIFF).
    if let Some((_, last)) = stem.rsplit_once('.')
        && let Some(l) = normalise_locale(last)
    {
        return Some(l);
    }
    // Java bundles: `base_ll`, `base_ll_RR`, `base_ll_Scrp_RR`; the longest suffix wins.
    let segments: Vec<&str> = stem.split('_').collect();
    (1..segments.len())
        .map(|start| segments[start..].join("_"))
        .filter(|suffix| suffix.len() <= 11)
        .find_map(|suffix| normalise_locale(&suffix))
}

fn from_dirs(dirs: &[&str]) -> Option<String> {
    let (parent, above) = dirs.split_last()?;
    if parent.eq_ignore_ascii_case("LC_MESSAGES") {
        return above.last().and_then(|d| normalise_locale(d));
    }
    if let Some(qualifiers) = parent.strip_prefix("values-") {
        return android_locale(qualifiers);
    }
    let container = above.last()?;
    LOCALE_CONTAINERS
        .iter()
        .any(|c| container.eq_ignore_ascii_case(c))
        .then(|| normalise_locale(parent))
        .flatten()
}

/// Android resource qualifiers: `ru`, `pt-rBR`, `b+sr+Latn`, possibly followed by
/// other qualifiers (`ru-land`).
fn android_locale(qualifiers: &str) -> Option<String> {
    if let Some(bcp) = qualifiers.strip_prefix("b+") {
        return normalise_locale(&bcp.replace('+', "_"));
    }
    let mut parts = qualifiers.split('-');
    let language = parts.next()?;
    match parts.next().and_then(|r| r.strip_prefix('r')) {
        Some(region) if region.len() == 2 => normalise_locale(&format!("{language}_{region}")),
        _ => normalise_locale(language),
    }
}

/// Whether `s` is a locale code (`ru`, `pt_BR`, `pt-br`, `sr-Latn`, `zh_Hans_CN`).
pub fn is_locale_code(s: &str) -> bool {
    normalise_locale(s).is_some()
}

/// `s` as a normalised locale (`ll`, `ll_RR`, `ll_Scrp`, `ll_Scrp_RR`), or `None`
/// when it is not a locale code.
pub fn normalise_locale(s: &str) -> Option<String> {
    let mut parts = s.split(['_', '-']);
    let language = parts.next()?.to_ascii_lowercase();
    if language.len() != 2 || !LANGUAGES.split(' ').any(|l| l == language) {
        return None;
    }
    let mut out = language;
    let mut seen_region = false;
    let mut seen_script = false;
    for part in parts {
        let is_alpha = part.chars().all(|c| c.is_ascii_alphabetic());
        if !seen_region && !seen_script && part.len() == 4 && is_alpha {
            let mut script = part.to_ascii_lowercase();
            script[..1].make_ascii_uppercase();
            out.push('_');
            out.push_str(&script);
            seen_script = true;
        } else if !seen_region
            && ((part.len() == 2 && is_alpha)
                || (part.len() == 3 && part.chars().all(|c| c.is_ascii_digit())))
        {
            out.push('_');
            out.push_str(&part.to_ascii_uppercase());
            seen_region = true;
        } else {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_bundle_names() {
        assert_eq!(
            locale_from_path("i18n/messages_ru.properties").as_deref(),
            Some("ru")
        );
        assert_eq!(
            locale_from_path("messages_pt_BR.properties").as_deref(),
            Some("pt_BR")
        );
        assert_eq!(
            locale_from_path("ValidationMessages_sr_Latn_RS.properties").as_deref(),
            Some("sr_Latn_RS")
        );
        assert_eq!(locale_from_path("messages.properties"), None);
        assert_eq!(locale_from_path("error_codes.properties"), None);
    }

    #[test]
    fn per_locale_files_and_folders() {
        assert_eq!(
            locale_from_path("config/locales/ru.yml").as_deref(),
            Some("ru")
        );
        assert_eq!(locale_from_path("web/ru.json").as_deref(), Some("ru"));
        assert_eq!(locale_from_path("pt-br.json").as_deref(), Some("pt_BR"));
        assert_eq!(
            locale_from_path("translations/messages.ru.yaml").as_deref(),
            Some("ru")
        );
        assert_eq!(locale_from_path("Resources.ru.xlf").as_deref(), Some("ru"));
        assert_eq!(
            locale_from_path("res/values-ru/strings.xml").as_deref(),
            Some("ru")
        );
        assert_eq!(
            locale_from_path("res/values-pt-rBR/strings.xml").as_deref(),
            Some("pt_BR")
        );
        assert_eq!(
            locale_from_path("res/values-b+sr+Latn/strings.xml").as_deref(),
            Some("sr_Latn")
        );
        assert_eq!(locale_from_path("res/values/strings.xml"), None);
        assert_eq!(
            locale_from_path("locale/ru/LC_MESSAGES/django.po").as_deref(),
            Some("ru")
        );
        assert_eq!(
            locale_from_path("C:\\app\\locales\\de\\zod.json").as_deref(),
            Some("de")
        );
        // A folder named like a language outside a locale folder is a package, not a locale.
        assert_eq!(locale_from_path("src/de/bank/messages.properties"), None);
        assert_eq!(locale_from_path("json/zod-i18n-ru-zod.json"), None);
    }

    #[test]
    fn locale_codes_are_checked_and_normalised() {
        assert!(is_locale_code("ru"));
        assert!(is_locale_code("en-US"));
        assert!(!is_locale_code("errors"));
        assert!(!is_locale_code("app"));
        assert!(!is_locale_code("xx"));
        assert_eq!(
            normalise_locale("zh-hans-cn").as_deref(),
            Some("zh_Hans_CN")
        );
        assert_eq!(normalise_locale("es_419").as_deref(), Some("es_419"));
        assert_eq!(normalise_locale("en_US_POSIX"), None);
    }
}
