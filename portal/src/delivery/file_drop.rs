//! File drop: one folder per case in a configured directory (being written by a helper).

use super::config::FileDropTarget;
use super::{Delivered, DeliveryError, Parcel};

pub async fn deliver(_target: &FileDropTarget, _parcel: &Parcel) -> Delivered {
    Err(DeliveryError::permanent("file drop is not built yet"))
}
