using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Messaging;
using Mbushja.Ussd;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// A USSD payment told as a story (docs/design/trail-story.md): paid from credit, charged on the ledger, its receipt SMS
/// sent and delivered, in every language, from the rows the payment left (it keeps no trail of its own).
/// </summary>
public sealed class PaymentStorySpec
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    private static readonly UssdPaymentFacts Paid = new(
        new UssdPaymentRow("ussd-s1-f73bb564", "+38349600003", "INTERNET_1", "drita", Money.FromCents(1000), Money.FromCents(50), At, "sa-1"),
        At.AddMonths(1),
        null);

    private static readonly Transfer[] Transfers =
    [
        new("ussd:ussd-s1-f73bb564:pay", TransferKind.Single, "sub:+38349600003", "rev:package", Money.FromCents(1000), null, TransferState.Posted, "ussd.package", null, At),
        new("ussd:ussd-s1-f73bb564:fee", TransferKind.Single, "sub:+38349600003", "rev:fee", Money.FromCents(50), null, TransferState.Posted, "ussd.fee", null, At),
    ];

    [Fact]
    public void EveryKey_IsInEveryLanguage()
    {
        string[] missing = [.. TrailStory.PaymentKeys.Where(k => !ConsoleTexts.Shipped.Has(k))];
        Assert.Empty(missing);
    }

    [Theory]
    [InlineData("sent", "delivered", false)]
    [InlineData("pending", null, false)]
    [InlineData("failed", "undeliverable", true)]
    public void APayment_IsToldPaidChargedSentAndDelivered_InEveryLanguage(string outbox, string? receipt, bool problem)
    {
        var sms = new OutboxMessage("ussd-s1-f73bb564", "+38349600003", "IPKO", "Paguat INTERNET_1", outbox, 1, At, At.AddSeconds(1), OutboxSources.Ussd);
        SubmittedPartState[] parts = receipt is null ? [] : [new SubmittedPartState(1, 1, At.AddSeconds(2), receipt, At.AddSeconds(3))];
        foreach (string language in ConsoleTexts.Languages)
        {
            IReadOnlyList<StoryLine> story = new TrailStory(ConsoleTexts.Shipped, language, c => c ?? "—")
                .TellPayment(Paid, Transfers, sms, parts, d => d?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "—");

            Assert.Equal(
                receipt is null ? ["ussd.paid", "ussd.ledger", "ussd.receipt"] : ["ussd.paid", "ussd.ledger", "ussd.receipt", "ussd.part", "ussd.delivered"],
                story.Select(l => l.Kind));
            Assert.All(story, l => Assert.DoesNotContain("{", l.Sentence, StringComparison.Ordinal));
            Assert.Equal(problem, story.Any(l => l.Problem));
        }
    }

    [Fact]
    public void InEnglish_SaysWhatWasPaidFromWhoseCreditAndUntilWhen()
    {
        var sms = new OutboxMessage("ussd-s1-f73bb564", "+38349600003", "IPKO", "Paid", "sent", 1, At, At, OutboxSources.Ussd);
        IReadOnlyList<StoryLine> story = new TrailStory(ConsoleTexts.Shipped, "en", c => c ?? "—")
            .TellPayment(Paid, Transfers, sms, [new SubmittedPartState(1, 1, At, "delivered", At)], d => d?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "—");

        Assert.Equal("+38349600003 paid INTERNET_1 for drita by USSD from prepaid credit: 10.00 EUR and a fee of 0.50 EUR.", story[0].Sentence);
        Assert.Equal("+38349600003", story[0].Actor);
        Assert.Equal("The ledger took 10.50 EUR from +38349600003's credit: 10.00 EUR for the package INTERNET_1, 0.50 EUR fee. drita is paid until 2027-01-07.", story[1].Sentence);
        Assert.Equal("The receipt SMS was sent from IPKO to +38349600003 (1 attempts): “Paid”.", story[2].Sentence);
        Assert.Equal("Part 1 of 1 of the receipt was delivered to the phone.", story[4].Sentence);
    }
}
