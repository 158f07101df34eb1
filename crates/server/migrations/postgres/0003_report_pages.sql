-- The Command Center lists a village's reports newest first, a page at a
-- time (ORDER BY id DESC with id < the previous page's last).
CREATE INDEX reports_by_village_and_id ON reports (village_code, id);
CREATE INDEX reports_by_status_and_id ON reports (status, id);
