//! The payment state machine: `created -> pending -> paid | failed | cancelled | expired`,
//! then `paid -> partially_refunded -> refunded`. The provider's word decides: a confirmed
//! payment counts even after `failed`, `cancelled` or `expired` (the money was taken), and a
//! failure reported after `paid` is ignored.

use serde::{Deserialize, Serialize};

use crate::Cents;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    Created,
    Pending,
    Paid,
    Failed,
    Cancelled,
    Expired,
    PartiallyRefunded,
    Refunded,
}

/// What a provider reported (by webhook or when asked).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentEvent {
    Pending,
    Paid,
    Failed,
    Cancelled,
    Expired,
    /// Refunded so far in total, of a payment of `amount`.
    Refunded {
        total: Cents,
        amount: Cents,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    /// The state changes to this one.
    To(PaymentState),
    /// Nothing changes (a repeat, or a report that comes too late to matter).
    Ignore,
}

impl PaymentState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
            Self::PartiallyRefunded => "partially_refunded",
            Self::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Created,
            Self::Pending,
            Self::Paid,
            Self::Failed,
            Self::Cancelled,
            Self::Expired,
            Self::PartiallyRefunded,
            Self::Refunded,
        ]
        .into_iter()
        .find(|state| state.as_str() == s)
    }

    /// Still waiting for the citizen or the provider.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Created | Self::Pending)
    }

    pub fn is_paid(self) -> bool {
        matches!(self, Self::Paid | Self::PartiallyRefunded | Self::Refunded)
    }

    pub fn apply(self, event: PaymentEvent) -> Transition {
        use PaymentEvent as E;
        use PaymentState as S;
        let next = match (self, event) {
            // Money taken counts, whatever we believed before.
            (S::Created | S::Pending | S::Failed | S::Cancelled | S::Expired, E::Paid) => S::Paid,
            (S::Created, E::Pending) => S::Pending,
            (S::Created | S::Pending, E::Failed) => S::Failed,
            (S::Created | S::Pending, E::Cancelled) => S::Cancelled,
            (S::Created | S::Pending, E::Expired) => S::Expired,
            (S::Paid | S::PartiallyRefunded, E::Refunded { total, amount }) if total.0 > 0 => {
                if total >= amount {
                    S::Refunded
                } else {
                    S::PartiallyRefunded
                }
            }
            _ => return Transition::Ignore,
        };
        if next == self {
            Transition::Ignore
        } else {
            Transition::To(next)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_citizen_pays_after_being_redirected() {
        let s = PaymentState::Created;
        assert_eq!(
            s.apply(PaymentEvent::Pending),
            Transition::To(PaymentState::Pending)
        );
        assert_eq!(
            PaymentState::Pending.apply(PaymentEvent::Paid),
            Transition::To(PaymentState::Paid)
        );
    }

    #[test]
    fn money_taken_after_a_reported_failure_still_counts() {
        for s in [
            PaymentState::Failed,
            PaymentState::Cancelled,
            PaymentState::Expired,
        ] {
            assert_eq!(
                s.apply(PaymentEvent::Paid),
                Transition::To(PaymentState::Paid),
                "{s:?}"
            );
        }
    }

    #[test]
    fn a_failure_reported_after_payment_is_ignored() {
        for e in [
            PaymentEvent::Failed,
            PaymentEvent::Cancelled,
            PaymentEvent::Expired,
            PaymentEvent::Pending,
        ] {
            assert_eq!(PaymentState::Paid.apply(e), Transition::Ignore, "{e:?}");
        }
    }

    #[test]
    fn a_repeated_report_changes_nothing() {
        assert_eq!(
            PaymentState::Paid.apply(PaymentEvent::Paid),
            Transition::Ignore
        );
        assert_eq!(
            PaymentState::Pending.apply(PaymentEvent::Pending),
            Transition::Ignore
        );
    }

    #[test]
    fn refunds_go_partial_then_full() {
        let amount = Cents(5000);
        let partial = PaymentEvent::Refunded {
            total: Cents(2000),
            amount,
        };
        let full = PaymentEvent::Refunded {
            total: Cents(5000),
            amount,
        };
        assert_eq!(
            PaymentState::Paid.apply(partial),
            Transition::To(PaymentState::PartiallyRefunded)
        );
        assert_eq!(
            PaymentState::PartiallyRefunded.apply(full),
            Transition::To(PaymentState::Refunded)
        );
        assert_eq!(PaymentState::Refunded.apply(partial), Transition::Ignore);
        assert_eq!(
            PaymentState::Pending.apply(full),
            Transition::Ignore,
            "nothing paid, nothing to refund"
        );
        assert!(PaymentState::Refunded.is_paid());
    }
}
