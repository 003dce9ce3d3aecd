DROP TABLE IF EXISTS run_metric_chunks;
