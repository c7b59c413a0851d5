// @generated automatically by Diesel CLI.

diesel::table! {
    organizations (id) {
        id -> Integer,
        slug -> Text,
        name -> Text,
        short_name -> Nullable<Text>,
        kind -> Text,
        parent_id -> Nullable<Integer>,
        secretary_name -> Nullable<Text>,
        address -> Nullable<Text>,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        website -> Nullable<Text>,
        established_on -> Nullable<Date>,
        dissolved_on -> Nullable<Date>,
        successor_id -> Nullable<Integer>,
        sort_key -> Binary,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    users (id) {
        id -> Integer,
        username -> Text,
        display_name -> Nullable<Text>,
        role -> Text,
        organization_id -> Nullable<Integer>,
        active -> Bool,
        password_hash -> Text,
        token_version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
        version -> Integer,
    }
}

diesel::joinable!(users -> organizations (organization_id));

diesel::allow_tables_to_appear_in_same_query!(organizations, users,);
