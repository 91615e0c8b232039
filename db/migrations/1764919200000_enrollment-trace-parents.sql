-- Up Migration
-- The W3C traceparent of the API's span that started the enrollment, when tracing is on: the requests that
-- come later for the enrollment (the consumer's next steps, the networks' callbacks, which carry no trace
-- context of ours) join that trace by it. Ids only (a trace id and a span id), no card data.
ALTER TABLE enrollments ADD COLUMN trace_parent text;

-- Down Migration
ALTER TABLE enrollments DROP COLUMN trace_parent;
