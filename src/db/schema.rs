//! Table definitions, written to match `migrations/` (the same for both backends).

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        timezone -> Text,
        day_rollover_hour -> Integer,
        new_per_day -> Integer,
        max_reviews_per_day -> Integer,
        new_order -> Text,
        interview_date -> Nullable<Date>,
        disabled_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        study_version -> BigInt,
        scheduler -> Text,
        desired_retention_percent -> Integer,
    }
}

diesel::table! {
    topics (id) {
        id -> Text,
        parent_id -> Nullable<Text>,
        title -> Text,
        position -> Integer,
    }
}

diesel::table! {
    question_sets (slug) {
        slug -> Text,
        title -> Text,
        description_md -> Nullable<Text>,
        description_html -> Nullable<Text>,
        enabled -> Bool,
        source_path -> Text,
        file_hash -> Text,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    questions (id) {
        id -> Text,
        question_key -> Text,
        set_slug -> Text,
        local_id -> Text,
        topic_id -> Text,
        difficulty -> Text,
        kind -> Text,
        tags -> Text,
        time_limit_secs -> Integer,
        prompt_md -> Text,
        prompt_html -> Text,
        answer_md -> Text,
        answer_html -> Text,
        key_points -> Text,
        follow_ups -> Text,
        position -> Integer,
        content_hash -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    cards (user_id, question_id) {
        user_id -> Text,
        question_id -> Text,
        repetitions -> Integer,
        interval_days -> Integer,
        easiness_hundredths -> Integer,
        due_day -> Nullable<Date>,
        lapses -> Integer,
        review_count -> Integer,
        last_reviewed_at -> Nullable<Timestamp>,
        suspended -> Bool,
        buried_until -> Nullable<Date>,
        version -> Integer,
        fsrs_stability -> Nullable<Float>,
        fsrs_difficulty -> Nullable<Float>,
    }
}

diesel::table! {
    interviews (id) {
        id -> Text,
        user_id -> Text,
        preset -> Nullable<Text>,
        options -> Text,
        seed -> BigInt,
        timing -> Text,
        status -> Text,
        started_at -> Timestamp,
        deadline_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    interview_items (id) {
        id -> Text,
        interview_id -> Text,
        position -> Integer,
        question_id -> Text,
        is_follow_up -> Bool,
        time_limit_secs -> Nullable<Integer>,
        started_at -> Nullable<Timestamp>,
        deadline_at -> Nullable<Timestamp>,
        revealed_at -> Nullable<Timestamp>,
        graded_at -> Nullable<Timestamp>,
        grade -> Nullable<Integer>,
        notes -> Text,
        key_points_hit -> Text,
        skipped -> Bool,
    }
}

diesel::table! {
    reviews (id) {
        id -> Text,
        user_id -> Text,
        question_id -> Text,
        grade -> Integer,
        source -> Text,
        interview_item_id -> Nullable<Text>,
        is_redrill -> Bool,
        reviewed_at -> Timestamp,
        study_day -> Date,
        time_taken_ms -> BigInt,
        before_repetitions -> Integer,
        before_interval_days -> Integer,
        before_easiness_hundredths -> Integer,
        before_due_day -> Nullable<Date>,
        after_repetitions -> Integer,
        after_interval_days -> Integer,
        after_easiness_hundredths -> Integer,
        after_due_day -> Nullable<Date>,
        undone_at -> Nullable<Timestamp>,
        submission_id -> Nullable<Text>,
        seq -> BigInt,
        before_lapses -> Integer,
        before_review_count -> Integer,
        before_last_reviewed_at -> Nullable<Timestamp>,
        suspended_leech -> Bool,
        before_fsrs_stability -> Nullable<Float>,
        before_fsrs_difficulty -> Nullable<Float>,
        after_fsrs_stability -> Nullable<Float>,
        after_fsrs_difficulty -> Nullable<Float>,
    }
}

diesel::table! {
    import_runs (id) {
        id -> Text,
        started_at -> Timestamp,
        finished_at -> Timestamp,
        actor -> Text,
        source -> Text,
        files -> Text,
        added -> Integer,
        updated -> Integer,
        retired -> Integer,
        restored -> Integer,
        unchanged -> Integer,
    }
}

diesel::table! {
    app_locks (name) {
        name -> Text,
        taken_at -> Nullable<Timestamp>,
        generation -> BigInt,
    }
}

diesel::joinable!(questions -> question_sets (set_slug));
diesel::joinable!(questions -> topics (topic_id));
diesel::joinable!(cards -> users (user_id));
diesel::joinable!(cards -> questions (question_id));
diesel::joinable!(reviews -> questions (question_id));
diesel::joinable!(interview_items -> interviews (interview_id));
diesel::joinable!(interview_items -> questions (question_id));

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        user_agent -> Text,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Text,
        subject -> Text,
        failed_at -> Timestamp,
    }
}

diesel::joinable!(sessions -> users (user_id));

diesel::table! {
    user_inactive_sets (user_id, set_slug) {
        user_id -> Text,
        set_slug -> Text,
    }
}

diesel::table! {
    flags (id) {
        id -> Text,
        /// `None` once the flagging account is deleted.
        user_id -> Nullable<Text>,
        question_id -> Text,
        reason -> Text,
        comment -> Text,
        created_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<Text>,
    }
}

diesel::joinable!(flags -> questions (question_id));

diesel::table! {
    import_previews (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        base_generation -> BigInt,
        files -> Text,
        applied_run_id -> Nullable<Text>,
    }
}

diesel::table! {
    password_resets (user_id) {
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(password_resets -> users (user_id));

diesel::table! {
    fsrs_parameters (user_id) {
        user_id -> Text,
        parameters -> Nullable<Text>,
        trained_at -> Nullable<Timestamp>,
        trained_reviews -> Integer,
        job_status -> Text,
        job_progress_percent -> Integer,
        job_message -> Text,
        job_started_at -> Nullable<Timestamp>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    users,
    topics,
    question_sets,
    questions,
    cards,
    interviews,
    interview_items,
    reviews,
    import_runs,
    app_locks,
    sessions,
    login_failures,
    user_inactive_sets,
    flags,
    import_previews,
    password_resets,
    fsrs_parameters,
);
