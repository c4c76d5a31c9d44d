using System.Text;
using Mbushja.Banks.Connector;
using Mbushja.Banks.Statements;
using Mbushja.Domain;
using Mbushja.Sandbox;

namespace Mbushja.Banks.Tests;

/// <summary>
/// What the sandbox bank books on the operator's settlement account (captures in, refunds out, once each, at the time
/// its caller says), and its end-of-day statement of it in CSV and camt.053.001.08, which the platform's reader reads
/// back entry for entry (docs/bank-statement-csv.md, docs/bank-statement-camt.md).
/// </summary>
public sealed class SandboxStatementsTests
{
    private static readonly DateOnly Day = new(2026, 3, 2);
    private static readonly OperatorClock Clock = new(TimeProvider.System, OperatorClock.FindZone("Europe/Belgrade"));
    private static readonly Iban Settlement = Iban.Parse("XK37 2001 9900 0000 0157").Value;
    private const string Holder = "XK051212012345678906";

    [Fact]
    public void Bookings_AreTheCapturesInAndTheRefundsOut_OnceEach_AtTheTimeGiven()
    {
        SandboxBank bank = Sandbox();
        DateTimeOffset morning = At("08:47"), noon = At("12:05"), later = At("12:40");
        bank.Hold("TEB", "h1", Holder, Money.FromCents(1_490), "IPKO 00000001");
        bank.Hold("TEB", "h2", Holder, Money.FromCents(750), "IPKO 00000002");
        bank.Hold("TEB", "h3", Holder, Money.FromCents(100_000), "IPKO 00000003"); // declined: more than the account has
        bank.Hold("TEB", "h4", Holder, Money.FromCents(300), "IPKO 00000004");
        bank.Void("TEB", "h4");
        bank.Capture("TEB", "h1", morning);
        bank.Capture("TEB", "h1", noon); // captured already: nothing more is booked
        bank.Capture("TEB", "h2", noon);
        bank.Refund("TEB", "rf-h2", "h2", Holder, Money.FromCents(750), "IPKO reversal 00000002", later);
        bank.Refund("TEB", "rf-h2", "h2", Holder, Money.FromCents(750), "IPKO reversal 00000002", later);

        (DateTimeOffset from, DateTimeOffset to) = Clock.DayBounds(Day);
        Assert.Equal(
            [
                new SandboxBooking("h1", "IPKO 00000001", Money.FromCents(1_490), morning),
                new SandboxBooking("h2", "IPKO 00000002", Money.FromCents(750), noon),
                new SandboxBooking("rf-h2", "IPKO reversal 00000002", Money.FromCents(-750), later),
            ],
            bank.BookingsOf("TEB", from, to));
        Assert.Empty(bank.BookingsOf("TEB", to, to.AddDays(1)));
    }

    [Fact]
    public void Statements_ListEveryBooking_TheCsvAsWritten_AndTheCamtAsTheReaderReadsIt()
    {
        SandboxBank bank = Sandbox();
        bank.Hold("TEB", "h1", Holder, Money.FromCents(1_490), "IPKO 00000001");
        bank.Capture("TEB", "h1", At("08:47"));
        bank.Hold("TEB", "h2", Holder, Money.FromCents(750), "IPKO 00000002");
        bank.Capture("TEB", "h2", At("12:05"));
        bank.Refund("TEB", "rf-h2", "h2", Holder, Money.FromCents(750), "IPKO reversal 00000002", At("12:40"));
        (DateTimeOffset from, DateTimeOffset to) = Clock.DayBounds(Day);
        IReadOnlyList<SandboxBooking> bookings = bank.BookingsOf("TEB", from, to);

        Assert.Equal(
            "reference,date,amount,description\r\n"
            + "h1,2026-03-02,14.90,IPKO 00000001\r\n"
            + "h2,2026-03-02,7.50,IPKO 00000002\r\n"
            + "rf-h2,2026-03-02,-7.50,IPKO reversal 00000002\r\n",
            SandboxStatements.Csv(Day, bookings));

        CamtReadResult read = CamtReader.Read(Encoding.UTF8.GetBytes(SandboxStatements.Camt053("TEB", Settlement, Day, Clock, Money.FromCents(10_000), bookings)));

        Assert.Null(read.Error);
        Assert.Equal(CamtMessage.Camt053V08, read.Document!.Message);
        CamtReport report = Assert.Single(read.Document.Reports);
        Assert.Equal(Settlement, report.Account.Iban);
        Assert.Equal((10_000L, 11_490L), (report.Opening!.Amount.Cents, report.Closing!.Amount.Cents));
        Assert.Equal(Day, DateOnly.FromDateTime(report.Period!.From.LocalIn(Clock.Zone)));
        Assert.Equal(Day, DateOnly.FromDateTime(report.Period.To.LocalIn(Clock.Zone)));
        Assert.Equal(
            [("h1", 1_490L, "IPKO 00000001", "08:47"), ("h2", 750L, "IPKO 00000002", "12:05"), ("rf-h2", -750L, "IPKO reversal 00000002", "12:40")],
            report.Entries.Select(e => (
                Assert.Single(e.Transactions).Refs.EndToEndId,
                e.Amount.Cents,
                Assert.Single(e.Transactions[0].Remittance),
                e.Booking!.Value.LocalIn(Clock.Zone).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture))));
        Assert.All(report.Entries, e => Assert.Equal(CamtEntryStatus.Booked, e.Status));
    }

    [Fact]
    public void Statements_OfADayWithoutBookings_AreEmptyButWellFormed()
    {
        CamtReadResult read = CamtReader.Read(Encoding.UTF8.GetBytes(SandboxStatements.Camt053("NLB", Settlement, Day, Clock, Money.Zero, [])));

        Assert.Null(read.Error);
        Assert.Empty(Assert.Single(read.Document!.Reports).Entries);
        Assert.Equal("reference,date,amount,description\r\n", SandboxStatements.Csv(Day, []));
    }

    [Fact]
    public async Task Connector_InProcess_AnswersAsTheSandboxDecides_AndBooksOnItsClock()
    {
        SandboxBank bank = Sandbox();
        var clock = new FixedClock(At("10:20"));
        var connector = new SandboxConnector(bank, clock);

        BankCall held = await connector.HoldAsync("TEB", new HoldRequest("h1", Holder, Money.FromCents(850), "IPKO 00000001"));
        BankCall declined = await connector.HoldAsync("TEB", new HoldRequest("h2", Holder, Money.FromCents(100_000), "IPKO 00000002"));
        BankCall captured = await connector.CaptureAsync("TEB", "h1");
        BankCall voidCaptured = await connector.VoidAsync("TEB", "h1");
        BankCall unknown = await connector.StatusAsync("TEB", "nobody");
        RefundCall refunded = await connector.RefundAsync("TEB", new RefundRequest("rf-h1", "h1", Holder, Money.FromCents(850), "IPKO reversal 00000001"));

        Assert.Equal(HoldStatus.Held, held.Reply!.Status);
        Assert.Equal((HoldStatus.Declined, BankWire.InsufficientFunds), (declined.Reply!.Status, declined.Reply.Code));
        Assert.Equal(HoldStatus.Captured, captured.Reply!.Status);
        Assert.Equal(HoldStatus.Captured, voidCaptured.Reply!.Status); // 409: captured, as over HTTP
        Assert.Equal(HoldStatus.NotFound, unknown.Reply!.Status);
        Assert.Equal(RefundStatus.Refunded, refunded.Reply!.Status);
        Assert.All(bank.BookingsOf("TEB", DateTimeOffset.MinValue, DateTimeOffset.MaxValue), b => Assert.Equal(At("10:20"), b.At));
    }

    private static SandboxBank Sandbox()
    {
        SandboxBank bank = SandboxBank.WithRandomSecrets(["TEB", "NLB"]);
        bank.SetAccount("TEB", Holder, Money.FromCents(50_000));
        return bank;
    }

    private static DateTimeOffset At(string time)
    {
        DateTime local = Day.ToDateTime(TimeOnly.Parse(time, System.Globalization.CultureInfo.InvariantCulture));
        return new DateTimeOffset(local, Clock.Zone.GetUtcOffset(local));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();
    }
}
