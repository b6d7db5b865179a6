-- Each municipality's profile (issue 3, items 7 and 8): the accent colour of its pages, the
-- contact for accessibility feedback, the town hall's address, links to its imprint and privacy
-- notice, and the date of the last accessibility review. Rows from before this migration get
-- the portal's default colour and empty contact fields (the pages leave empty ones out).
-- The colour is stored lowercase `#rrggbb`; its contrast is checked by the store before writing.
alter table tenants
    add column accent_colour text not null default '#1d4f91'
        constraint tenants_accent_colour_check check (accent_colour ~ '^#[0-9a-f]{6}$'),
    add column feedback_email text not null default '',
    add column feedback_phone text not null default '',
    add column town_hall_address text not null default '',
    add column imprint_url text,
    add column privacy_url text,
    -- null: not reviewed yet
    add column accessibility_reviewed_on date;
