-- The Command Center filters its inbox and completeness grid by form,
-- latest arrivals first (ORDER BY received_at_ms DESC, id DESC).
CREATE INDEX reports_by_form_and_arrival ON reports (form_id, received_at_ms, id);
