//! FIT-Connect Submission API, sender side (being written by a helper).

use super::config::FitConnectTarget;
use super::{Delivered, DeliveryError, Parcel};

pub async fn deliver(
    _http: &reqwest::Client,
    _target: &FitConnectTarget,
    _parcel: &Parcel,
) -> Delivered {
    Err(DeliveryError::permanent("FIT-Connect is not built yet"))
}
