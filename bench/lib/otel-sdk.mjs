// Preloaded into the "ours-otel" app (node --import): the OpenTelemetry SDK registered as a real
// service would, before the app starts, with in-memory exporters so the bench measures the
// library's recording cost, not an exporter's network traffic.
import { metrics, trace } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const spanExporter = new InMemorySpanExporter();
metrics.setGlobalMeterProvider(
  new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 5000 })],
  }),
);
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] }));
// Collected every 5 s like a real exporter would; kept bounded.
setInterval(() => {
  metricExporter.reset();
  spanExporter.reset();
}, 10_000).unref();
