//! Reading a definition from its text: JSON or YAML, the same model either way.

use std::fmt;
use std::path::Path;

use crate::definition::FormDefinition;
use crate::lint::{DefinitionError, Problem};

/// The text formats a definition can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    /// YAML 1.2 (`yes`/`no` stay text); anchors and aliases are expanded.
    Yaml,
}

impl Format {
    /// The format of a file by its extension: `.json`, `.yaml` or `.yml` (any case).
    pub fn from_path(path: impl AsRef<Path>) -> Option<Format> {
        let ext = path.as_ref().extension()?.to_str()?;
        Format::from_extension(ext)
    }

    /// `json`, `yaml` or `yml` (any case, without the dot).
    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "yaml" | "yml" => Some(Format::Yaml),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Yaml => "yaml",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FormDefinition {
    /// Parses a JSON definition and checks it (see [`FormDefinition::lint`]).
    pub fn from_json(src: &str) -> Result<Self, DefinitionError> {
        FormDefinition::parse(src, Format::Json)
    }

    /// Parses a YAML definition and checks it; the keys and rules are those of JSON.
    pub fn from_yaml(src: &str) -> Result<Self, DefinitionError> {
        FormDefinition::parse(src, Format::Yaml)
    }

    /// Parses a definition in `format` and checks it. Syntax errors and unknown keys name
    /// the line and column.
    pub fn parse(src: &str, format: Format) -> Result<Self, DefinitionError> {
        let definition = FormDefinition::deserialize_from(src, format)?;
        definition.lint()?;
        Ok(definition)
    }

    /// Every problem of a JSON definition's source, each with its path; empty when it loads.
    pub fn lint_all(src: &str) -> Vec<Problem> {
        FormDefinition::lint_source(src, Format::Json)
    }

    /// Every problem of a definition's source in `format` (see [`FormDefinition::lint_all`]).
    pub fn lint_source(src: &str, format: Format) -> Vec<Problem> {
        match FormDefinition::deserialize_from(src, format) {
            Err(e) => vec![Problem {
                path: String::new(),
                message: e.to_string(),
            }],
            Ok(definition) => definition.problem_list(),
        }
    }

    /// The model as written, not yet linted, with referenced code lists filled in.
    fn deserialize_from(src: &str, format: Format) -> Result<Self, DefinitionError> {
        let mut definition: FormDefinition = match format {
            Format::Json => serde_json::from_str(src)?,
            Format::Yaml => yaml_serde::from_str(src)?,
        };
        definition.resolve_code_lists();
        Ok(definition)
    }

    /// Fills the `options` of every field that names a `code_list` (and has no options of its
    /// own) from the form's list, so that the rest of the engine sees one list of choices.
    /// An unknown list is left empty for the lint to report. Called by every loader; call it
    /// after building a definition any other way.
    pub fn resolve_code_lists(&mut self) {
        let lists = &self.code_lists;
        let fill = |f: &mut crate::Field| {
            if f.options.is_empty()
                && let Some(list) = f.code_list.as_ref().and_then(|id| lists.get(id))
            {
                f.options = list.clone();
            }
        };
        for step in &mut self.steps {
            for field in &mut step.fields {
                fill(field);
                field.fields.iter_mut().for_each(fill);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_follows_the_file_extension() {
        assert_eq!(Format::from_path("a/b.json"), Some(Format::Json));
        assert_eq!(Format::from_path("b.yaml"), Some(Format::Yaml));
        assert_eq!(Format::from_path("b.YML"), Some(Format::Yaml));
        assert_eq!(Format::from_path("b.toml"), None);
        assert_eq!(Format::from_path("yaml"), None);
    }
}
