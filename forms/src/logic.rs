//! Form logic in CEL: visibility, requirements, rules and computed values.
