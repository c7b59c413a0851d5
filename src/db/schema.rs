// @generated automatically by Diesel CLI.

diesel::table! {
    activities (id) {
        id -> Integer,
        slug -> Text,
        title -> Text,
        title_sort_key -> Binary,
        summary -> Nullable<Text>,
        occurred_on -> Date,
        date_precision -> Text,
        period_end -> Date,
        ends_on -> Nullable<Date>,
        part_of_day -> Nullable<Text>,
        location -> Nullable<Text>,
        category -> Text,
        organizer_id -> Integer,
        cluster_id -> Nullable<Integer>,
        participants_count -> Nullable<Integer>,
        byline -> Nullable<Text>,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
        state -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        created_by -> Nullable<Integer>,
        updated_by -> Nullable<Integer>,
        version -> Integer,
        featured -> Bool,
        featured_until -> Nullable<Timestamp>,
        review_comment -> Nullable<Text>,
        public_changed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Integer,
        at -> Timestamp,
        actor_id -> Nullable<Integer>,
        actor -> Nullable<Text>,
        role -> Nullable<Text>,
        action -> Text,
        resource -> Text,
        resource_id -> Nullable<Text>,
        detail -> Nullable<Text>,
        request_id -> Nullable<Text>,
        client_addr -> Nullable<Text>,
        version_before -> Nullable<Integer>,
        version_after -> Nullable<Integer>,
    }
}

diesel::table! {
    activity_bodies (activity_id) {
        activity_id -> Integer,
        body -> Nullable<Text>,
        body_html -> Nullable<Text>,
    }
}

diesel::table! {
    activity_documents (id) {
        id -> Integer,
        activity_id -> Integer,
        position -> Integer,
        raw -> Text,
        number -> Nullable<Text>,
        doc_type -> Nullable<Text>,
        issuer -> Nullable<Text>,
        department -> Nullable<Text>,
        issued_on -> Nullable<Date>,
        media_id -> Nullable<Integer>,
    }
}

diesel::table! {
    activity_partners (activity_id, organization_id) {
        activity_id -> Integer,
        organization_id -> Integer,
        role -> Text,
        position -> Integer,
    }
}

diesel::table! {
    activity_photos (id) {
        id -> Integer,
        activity_id -> Integer,
        position -> Integer,
        url -> Nullable<Text>,
        caption -> Nullable<Text>,
        credit -> Nullable<Text>,
        media_id -> Nullable<Integer>,
        alt -> Nullable<Text>,
    }
}

diesel::table! {
    activity_revisions (id) {
        id -> Integer,
        activity_id -> Integer,
        version -> Integer,
        state -> Text,
        changed_by -> Nullable<Text>,
        changed_at -> Timestamp,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    activity_tags (activity_id, tag_id) {
        activity_id -> Integer,
        tag_id -> Integer,
        position -> Integer,
    }
}

diesel::table! {
    cluster_members (cluster_id, year, organization_id) {
        cluster_id -> Integer,
        year -> Integer,
        organization_id -> Integer,
        bloc_id -> Integer,
        role -> Text,
        position -> Integer,
    }
}

diesel::table! {
    cluster_results (cluster_id, year, organization_id) {
        cluster_id -> Integer,
        year -> Integer,
        organization_id -> Integer,
        self_score -> Nullable<Double>,
        agreed_score -> Nullable<Double>,
        grade -> Nullable<Text>,
        award -> Nullable<Text>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    clusters (id) {
        id -> Integer,
        slug -> Text,
        name -> Text,
        number -> Integer,
        bloc_id -> Integer,
        description -> Nullable<Text>,
        active -> Bool,
        sort_key -> Binary,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    data_version (id) {
        id -> Integer,
        n -> Integer,
        instance -> Binary,
    }
}

diesel::table! {
    external_ids (resource, external_id) {
        resource -> Text,
        external_id -> Text,
        target_id -> Integer,
    }
}

diesel::table! {
    index_versions (name) {
        name -> Text,
        version -> Integer,
    }
}

diesel::table! {
    media (id) {
        id -> Integer,
        kind -> Text,
        organization_id -> Integer,
        content_type -> Text,
        file -> Text,
        file_name -> Nullable<Text>,
        bytes -> BigInt,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        blurhash -> Nullable<Text>,
        renditions -> Text,
        search_text -> Text,
        alt -> Nullable<Text>,
        caption -> Nullable<Text>,
        credit -> Nullable<Text>,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

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
        requires_review -> Bool,
    }
}

diesel::table! {
    public_change_floor (id) {
        id -> Integer,
        at -> Timestamp,
    }
}

diesel::table! {
    slug_history (resource, slug) {
        resource -> Text,
        slug -> Text,
        target_id -> Integer,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    tags (id) {
        id -> Integer,
        slug -> Text,
        name -> Text,
        sort_key -> Binary,
        created_at -> Timestamp,
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
        token_key -> Text,
    }
}

diesel::joinable!(activities -> clusters (cluster_id));
diesel::joinable!(activities -> organizations (organizer_id));
diesel::joinable!(activity_bodies -> activities (activity_id));
diesel::joinable!(activity_documents -> activities (activity_id));
diesel::joinable!(activity_partners -> activities (activity_id));
diesel::joinable!(activity_partners -> organizations (organization_id));
diesel::joinable!(activity_photos -> activities (activity_id));
diesel::joinable!(activity_photos -> media (media_id));
diesel::joinable!(activity_documents -> media (media_id));
diesel::joinable!(activity_revisions -> activities (activity_id));
diesel::joinable!(activity_tags -> activities (activity_id));
diesel::joinable!(activity_tags -> tags (tag_id));
diesel::joinable!(cluster_members -> clusters (cluster_id));
diesel::joinable!(cluster_results -> clusters (cluster_id));
diesel::joinable!(cluster_results -> organizations (organization_id));
diesel::joinable!(clusters -> organizations (bloc_id));
diesel::joinable!(users -> organizations (organization_id));

diesel::table! {
    webhooks (id) {
        id -> Integer,
        url -> Text,
        events -> Text,
        description -> Nullable<Text>,
        active -> Bool,
        secret -> Text,
        failures -> Integer,
        disabled_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> Integer,
        event -> Text,
        resource -> Text,
        resource_id -> Integer,
        data -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Integer,
        webhook_id -> Integer,
        event_id -> Integer,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        last_attempt_at -> Nullable<Timestamp>,
        response_code -> Nullable<Integer>,
        latency_ms -> Nullable<Integer>,
        error -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_deliveries -> webhook_events (event_id));

diesel::allow_tables_to_appear_in_same_query!(
    activities,
    activity_bodies,
    activity_documents,
    activity_partners,
    activity_photos,
    activity_revisions,
    activity_tags,
    audit_log,
    cluster_members,
    cluster_results,
    clusters,
    data_version,
    external_ids,
    index_versions,
    media,
    organizations,
    public_change_floor,
    slug_history,
    tags,
    users,
    webhook_deliveries,
    webhook_events,
    webhooks,
);
