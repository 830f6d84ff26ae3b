//! The shape of the code, checked on its source: use cases never import each other, the fleet
//! core imports no use case, and no two files import each other, directly or around a circle.
//! (That the event store knows nothing of vehicles the compiler checks: it is a crate of its own.)
//!
//! Imports are the `use` statements (`crate::…`, `super::…`, `self::…` and a child's name) and the
//! inline `crate::…`/`super::…` paths of each file; a path leads to the file of its longest module
//! prefix. A parent's `mod` declarations and its re-exports of its own children (`pub use
//! child::Item`) are its face, not imports: a parent that calls its children through their
//! re-exports while they use its items (osmand/) is not reported.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::test_support::rust_sources;

/// Folders of `src/fleet` that belong to the core, not to one use case.
const CORE_FOLDERS: [&str; 3] = ["access", "fleet_index", "projections"];

/// A source file and the module path it defines (`src/fleet/fix.rs` → `fleet::fix`).
struct SourceFile {
    path: PathBuf,
    module: Vec<String>,
    text: String,
}

/// The crate's own files, `src/bin` aside (binaries are not modules of the crate).
fn source_files() -> Vec<SourceFile> {
    rust_sources()
        .into_iter()
        .filter(|(path, _)| !path.starts_with("bin"))
        .map(|(path, text)| {
            let mut module: Vec<String> = path
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                module.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                module.pop();
            }
            SourceFile { path, module, text }
        })
        .collect()
}

/// Every `crate::`/`super::`/`self::` path a file's `use` statements name, and its inline
/// `crate::`/`super::` paths, resolved to an absolute module path
/// (its first segments; the rest may be items). `super` counts the inline modules (`mod x {`)
/// the path sits in.
fn named_paths(file: &SourceFile) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut in_use = String::new();
    for line in file.text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let trimmed = code.trim_start();
        let here: Vec<String> = file
            .module
            .iter()
            .cloned()
            .chain(inline.iter().map(|(name, _)| name.clone()))
            .collect();
        if let Some(name) = trimmed
            .strip_prefix("pub mod ")
            .or_else(|| trimmed.strip_prefix("mod "))
            .and_then(|rest| rest.strip_suffix('{'))
        {
            inline.push((name.trim().to_string(), depth));
        }
        // A `use` may span lines: gather it whole, then expand its braces.
        if !in_use.is_empty() || trimmed.starts_with("use ") || trimmed.starts_with("pub use ") {
            in_use.push_str(trimmed);
            if trimmed.contains(';') {
                let statement = std::mem::take(&mut in_use);
                let tree = statement
                    .trim_start_matches("pub ")
                    .trim_start_matches("use ")
                    .trim_end_matches(';');
                let re_export = statement.starts_with("pub use ");
                for path in expand(tree) {
                    match resolve(&here, &path) {
                        Some(path) => paths.push(path),
                        // `use child::Item`: an import of a child; `pub use child::Item`: the
                        // module's face. (An external crate's path leads to no file.)
                        None if !re_export => paths.push(
                            here.iter()
                                .cloned()
                                .chain(path.split("::").map(str::to_string))
                                .collect(),
                        ),
                        None => {}
                    }
                }
            }
        } else {
            for start in code.match_indices("crate::").map(|(i, _)| i).chain(
                code.match_indices("super::")
                    .filter(|(i, _)| !code[..*i].ends_with("::"))
                    .map(|(i, _)| i),
            ) {
                let path: String = code[start..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                paths.extend(resolve(&here, &path));
            }
        }
        depth += code.matches('{').count();
        depth = depth.saturating_sub(code.matches('}').count());
        while inline.last().is_some_and(|(_, opened)| depth <= *opened) {
            inline.pop();
        }
    }
    paths
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut parts, mut level, mut start) = (Vec::new(), 0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => level += 1,
            '}' => level -= 1,
            ',' if level == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|part| !part.is_empty())
        .flat_map(|part| expand(&format!("{prefix}{part}")))
        .collect()
}

fn resolve(here: &[String], path: &str) -> Option<Vec<String>> {
    let mut segments = path.split("::").filter(|s| !s.is_empty());
    let mut resolved: Vec<String> = match segments.next()? {
        "crate" => Vec::new(),
        "self" => here.to_vec(),
        "super" => here[..here.len().saturating_sub(1)].to_vec(),
        _ => return None,
    };
    for segment in segments {
        match segment {
            "super" => {
                resolved.pop();
            }
            "self" | "*" => {}
            name => resolved.push(name.split(" as ").next().unwrap_or(name).to_string()),
        }
    }
    Some(resolved)
}

/// The file a module path leads to: the one of its longest prefix.
fn file_of<'a>(modules: &'a BTreeMap<Vec<String>, usize>, path: &[String]) -> Option<&'a usize> {
    (1..=path.len()).rev().find_map(|n| modules.get(&path[..n]))
}

type Edges = BTreeMap<usize, BTreeSet<usize>>;

/// Which file imports which (by index into `files`).
fn edges_of(files: &[SourceFile]) -> Edges {
    let modules: BTreeMap<Vec<String>, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.module.clone(), i))
        .collect();
    let mut edges = Edges::new();
    for (i, file) in files.iter().enumerate() {
        for path in named_paths(file) {
            if let Some(&target) = file_of(&modules, &path) {
                if target != i {
                    edges.entry(i).or_default().insert(target);
                }
            }
        }
    }
    edges
}

/// The use case a file belongs to, if it belongs to one.
fn use_case(module: &[String]) -> Option<&str> {
    match module {
        [fleet, folder, ..] if fleet == "fleet" && !CORE_FOLDERS.contains(&folder.as_str()) => {
            // `fleet/fix.rs` is `fleet::fix` (core); a use case is a folder.
            Some(folder.as_str())
        }
        _ => None,
    }
}

/// Imports of one use case by another, or of a use case by the core.
fn crossings(files: &[SourceFile], edges: &Edges) -> Vec<String> {
    let folders: BTreeSet<&str> = files
        .iter()
        .filter(|f| {
            f.path.components().count() > 2 && f.module.first().is_some_and(|m| m == "fleet")
        })
        .filter_map(|f| f.module.get(1).map(String::as_str))
        .collect();
    let case_of = |file: &SourceFile| {
        use_case(&file.module)
            .filter(|c| folders.contains(c))
            .map(str::to_string)
    };
    let mut wrong = Vec::new();
    for (from, targets) in edges {
        let from_file = &files[*from];
        if from_file.module.first().is_none_or(|m| m != "fleet") {
            continue;
        }
        let from_case = case_of(from_file);
        for to in targets {
            let to_file = &files[*to];
            if let Some(to_case) = case_of(to_file) {
                if from_case.as_deref() != Some(to_case.as_str()) {
                    wrong.push(format!(
                        "{} imports {}",
                        from_file.path.display(),
                        to_file.path.display()
                    ));
                }
            }
        }
    }
    wrong
}

/// Files that reach each other through imports, one line per circle.
fn circles(files: &[SourceFile], edges: &Edges) -> Vec<String> {
    let reachable_from = |start: usize| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start];
        while let Some(node) = stack.pop() {
            for &next in edges.get(&node).into_iter().flatten() {
                if seen.insert(next) {
                    stack.push(next);
                }
            }
        }
        seen
    };
    let reach: Vec<BTreeSet<usize>> = (0..files.len()).map(reachable_from).collect();
    let mut found: BTreeSet<Vec<String>> = BTreeSet::new();
    for node in 0..files.len() {
        if reach[node].contains(&node) {
            found.insert(
                (0..files.len())
                    .filter(|&other| reach[node].contains(&other) && reach[other].contains(&node))
                    .map(|n| files[n].path.display().to_string())
                    .collect(),
            );
        }
    }
    found.into_iter().map(|c| c.join(" <-> ")).collect()
}

#[test]
fn use_cases_import_only_the_core_and_the_core_no_use_case() {
    let files = source_files();
    let wrong = crossings(&files, &edges_of(&files));
    assert!(
        wrong.is_empty(),
        "use cases must stay apart:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_file_imports_itself_around_a_circle() {
    let files = source_files();
    let report = circles(&files, &edges_of(&files));
    assert!(report.is_empty(), "import circles:\n{}", report.join("\n"));
}

fn synthetic(path: &str, text: &str) -> SourceFile {
    let module: Vec<String> = path
        .trim_end_matches(".rs")
        .split('/')
        .filter(|s| *s != "mod")
        .map(str::to_string)
        .collect();
    SourceFile {
        path: path.into(),
        module,
        text: text.into(),
    }
}

#[test]
fn the_rules_fail_on_a_use_case_importing_another_and_on_a_circle() {
    let files = vec![
        synthetic(
            "fleet/mod.rs",
            "pub mod core;\npub mod one;\npub mod two;\n",
        ),
        synthetic("fleet/core.rs", "use crate::fleet::one::Thing;\n"),
        synthetic("fleet/one/mod.rs", "pub mod http;\npub struct Thing;\n"),
        synthetic(
            "fleet/one/http.rs",
            "use super::Thing;\nuse crate::fleet::two::Other;\n",
        ),
        synthetic(
            "fleet/two/mod.rs",
            "pub struct Other;\nuse crate::fleet::core::X;\n",
        ),
    ];
    let edges = edges_of(&files);
    assert_eq!(
        crossings(&files, &edges),
        vec![
            "fleet/core.rs imports fleet/one/mod.rs",
            "fleet/one/http.rs imports fleet/two/mod.rs"
        ]
    );
    // core -> one (mod.rs); one's http -> two -> core: not a circle through one/mod.rs yet.
    assert!(circles(&files, &edges).is_empty());
    let mut closed = files;
    closed[2] = synthetic(
        "fleet/one/mod.rs",
        "pub mod http;\npub struct Thing;\nuse http::Y;\n",
    );
    assert_eq!(
        circles(&closed, &edges_of(&closed)),
        vec!["fleet/core.rs <-> fleet/one/mod.rs <-> fleet/one/http.rs <-> fleet/two/mod.rs"]
    );
}

#[test]
fn the_checker_sees_imports_braces_and_inline_modules() {
    assert_eq!(
        expand("crate::fleet::{fix::{Fix, FixExtras}, ids}"),
        vec![
            "crate::fleet::fix::Fix",
            "crate::fleet::fix::FixExtras",
            "crate::fleet::ids"
        ]
    );
    let here = vec![
        "fleet".to_string(),
        "osmand".to_string(),
        "record".to_string(),
    ];
    assert_eq!(
        resolve(&here, "super::report::bad"),
        Some(vec![
            "fleet".into(),
            "osmand".into(),
            "report".into(),
            "bad".into()
        ])
    );
    let file = SourceFile {
        path: "fleet/x/mod.rs".into(),
        module: vec!["fleet".into(), "x".into()],
        text: "mod command {\n    use super::Thing;\n}\nuse crate::fleet::y::Other;\n".into(),
    };
    assert_eq!(
        named_paths(&file),
        vec![
            vec!["fleet".to_string(), "x".into(), "Thing".into()],
            vec!["fleet".to_string(), "y".into(), "Other".into()],
        ]
    );
}
