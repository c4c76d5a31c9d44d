using System.Data.Common;
using System.Diagnostics.Metrics;
using Mbushja.Domain;
using Mbushja.Messaging;
using Mbushja.Sms;
using Mbushja.TopUp;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Mbushja.Server.Http;

/// <summary>
/// <c>GET /metrics</c> in Prometheus' text format, by prometheus-net: the platform's meters, the runtime's, ASP.NET Core's,
/// and gauges read from the database at each scrape (by partial indexes). Labels never carry a number, an account or a secret.
/// </summary>
/// <remarks>Unauthenticated, as scrapers expect: expose it only where the scraper is. The series: docs/money.md, "/metrics".</remarks>
public static partial class PrometheusMetrics
{
    public const string Path = "/metrics";

    private static readonly Lock Gate = new();
    private static bool _defaultsSuppressed;

    /// <summary>Maps <see cref="Path"/>, with a registry of this server's own (tests run several servers in one process).</summary>
    public static WebApplication MapPrometheusMetrics(this WebApplication app)
    {
        lock (Gate)
        {
            if (!_defaultsSuppressed)
            {
                // The default registry would listen to every meter of the process a second time; only this one is served.
                Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions
                {
                    SuppressMeters = true,
                    SuppressEventCounters = true,
                    SuppressDebugMetrics = true,
                    SuppressProcessMetrics = true,
                });
                _defaultsSuppressed = true;
            }
        }

        CollectorRegistry registry = Metrics.NewCustomRegistry();
        MetricFactory factory = Metrics.WithCustomRegistry(registry);
        // No exemplars: nothing here traces to a backend they could point into, and taking one from the current trace
        // at every measurement cost a few per cent of an SMS top-up's CPU.
        factory.ExemplarBehavior = new ExemplarBehavior { DefaultExemplarProvider = (_, _) => Exemplar.None };
        IDisposable adapter = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            Registry = registry,
            MetricFactory = factory,
            InstrumentFilterPredicate = Exported,
            ResolveHistogramBuckets = Buckets,
        });
        var depth = ActivatorUtilities.CreateInstance<QueueDepth>(app.Services, factory);
        registry.AddBeforeCollectCallback(depth.RefreshAsync);
        app.Lifetime.ApplicationStopped.Register(adapter.Dispose);
        app.MapMetrics(Path, registry);
        return app;
    }

    private static bool Exported(Instrument instrument) =>
        instrument.Meter.Name == MessageMetrics.MeterName
        || instrument.Meter.Name.StartsWith("Mbushja.", StringComparison.Ordinal)
        || instrument.Meter.Name is "System.Runtime" or "Microsoft.AspNetCore.Hosting" or "Microsoft.AspNetCore.Server.Kestrel";

    /// <summary>Seconds get Prometheus' usual buckets (5 ms to 10 s); counts of things (batch sizes) powers of two.</summary>
    private static double[] Buckets(Instrument instrument) =>
        instrument.Unit == "s"
            ? [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
            : [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

    /// <summary>The depth gauges, read at each scrape (three counts on partial indexes).</summary>
    internal sealed partial class QueueDepth(
        SmsTransactions messages, SmsOutbox outbox, TopUpReversals reversals, TopUpTransfers transfers, BankDirectory banks, IMetricFactory factory, ILogger<QueueDepth> logger)
    {
        private readonly Gauge _inbox = factory.CreateGauge(
            "mbushja_inbox_depth", "SMS top-ups recorded and not finished yet (holding, credited or voiding).");

        private readonly Gauge _outbox = factory.CreateGauge(
            "mbushja_outbox_depth", "Replies waiting in the outbox to be sent by the outbound gateway.");

        private readonly Gauge _refunds = factory.CreateGauge(
            "mbushja_refunds_pending", "Refunds of reversals still waiting for the bank's answer.");

        private readonly Gauge _held = factory.CreateGauge(
            "mbushja_bank_held_cents", "Money in flight at each bank: the ledger's pending holds (bank to clearing), in cents.", ["bank"]);

        public async Task RefreshAsync(CancellationToken ct)
        {
            try
            {
                _inbox.Set(await messages.CountUnfinishedAsync(ct));
                _outbox.Set(await outbox.CountPendingAsync(ct));
                _refunds.Set(await reversals.CountRefundingAsync(ct));
                foreach ((string bank, Money held) in await transfers.HeldAtBanksAsync(banks.Banks.Select(b => b.Code), ct))
                {
                    _held.WithLabels(bank).Set(held.Cents);
                }
            }
            catch (Exception e) when (e is DbException or InvalidOperationException or TimeoutException)
            {
                // A scrape must not fail because the database is busy: the gauges keep their last values.
                LogDepthUnread(logger, e);
            }
        }

        [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Metrics: the inbox and outbox depths could not be read")]
        private static partial void LogDepthUnread(ILogger logger, Exception exception);
    }
}
