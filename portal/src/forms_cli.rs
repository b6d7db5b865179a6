//! `portal forms ...`: offline tools for form definitions. They need no database and no
//! configuration: they read a file and print to standard output and standard error.

use std::path::Path;

use anyhow::{Context, bail};

/// `portal forms import-fim FILE.xml`: the definition as pretty JSON on standard output, each
/// warning as one `warning: ...` line on standard error.
pub fn import_fim(path: &Path) -> anyhow::Result<()> {
    let xml =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let imported =
        forms::fim::import(&xml).with_context(|| format!("{}: not imported", path.display()))?;
    let json = serde_json::to_string(&imported.definition)?;
    // The importer promises a loadable definition; check it, and print it in the format's own
    // key order.
    let definition = forms::FormDefinition::from_json(&json).with_context(|| {
        format!(
            "{}: the imported definition does not load (a bug in the importer)",
            path.display()
        )
    })?;
    for warning in &imported.warnings {
        eprintln!("warning: {warning}");
    }
    println!("{}", serde_json::to_string_pretty(&definition)?);
    Ok(())
}

/// `portal forms check FILE`: `ok: <id> v<version>, N fields`, or every problem the lint
/// finds (one per line, with its path) and an error. `FILE` is JSON (`.json`) or YAML
/// (`.yaml`, `.yml`).
pub fn check(path: &Path) -> anyhow::Result<()> {
    let Some(format) = forms::Format::from_path(path) else {
        bail!(
            "{}: unknown file type (expected .json, .yaml or .yml)",
            path.display()
        );
    };
    let src =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let problems = forms::FormDefinition::lint_source(&src, format);
    if !problems.is_empty() {
        for problem in &problems {
            println!("{}: {problem}", path.display());
        }
        bail!(
            "{}: {} problem{}",
            path.display(),
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
    }
    // `lint_all` found nothing; loading must agree.
    let definition = forms::FormDefinition::parse(&src, format)
        .with_context(|| format!("{}: does not load", path.display()))?;
    let n = definition.fields().count();
    println!(
        "ok: {} v{}, {n} field{}",
        definition.id,
        definition.version,
        if n == 1 { "" } else { "s" }
    );
    Ok(())
}
