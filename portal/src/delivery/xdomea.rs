//! xdomea 3.0.0 `Abgabe.Abgabe.0401` message of a case (being written by a helper).
