//! The portal: an axum server rendering Leptos pages, on SQLite or PostgreSQL.
//! See ARCHITECTURE.md for the map of folders and flows.

pub mod admin;
pub mod app;
pub mod auth;
pub mod citizen;
pub mod config;
pub mod delivery;
pub mod demo;
pub mod demo_op;
pub mod error;
pub mod forms_cli;
pub mod i18n;
pub mod inbox;
pub mod info;
pub mod payment;
pub mod pdf;
pub mod reference;
pub mod schemas;
pub mod state;
pub mod sweep;
pub mod uploads;
pub mod views;
pub mod web;
