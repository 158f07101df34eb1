-- The Command Center lists reports latest arrivals first, a page at a time
-- (ORDER BY received_at_ms DESC, id DESC, continuing below the previous
-- page's last), for all villages, one village, or one review status.
CREATE INDEX reports_by_arrival ON reports (received_at_ms, id);
CREATE INDEX reports_by_village_and_arrival ON reports (village_code, received_at_ms, id);
CREATE INDEX reports_by_status_and_arrival ON reports (status, received_at_ms, id);
