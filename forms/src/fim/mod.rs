//! Import of FIM XDatenfelder 2.0 and 3.0.0 messages into form definitions.
