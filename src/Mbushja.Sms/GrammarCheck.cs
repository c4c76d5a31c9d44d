using Mbushja.Domain;

namespace Mbushja.Sms;

/// <summary>
/// Refuses a grammar that could read one text two ways (one text, one meaning), and checks each form's examples. Sample
/// texts are made for every form from representative values (numbers of the plan, the bank's limits, accounts that look
/// like numbers, amounts or any keyword of the bank); each must be read by one form at most.
/// </summary>
internal static class GrammarCheck
{
    public static void Verify(SmsInterpreter interpreter, IEnumerable<Bank> banks, NumberingPlan plan)
    {
        var errors = new List<string>();
        string nationalMobile = National(plan, plan.OperatorPrefixes.Count > 0 ? plan.OperatorPrefixes[0] : plan.MobilePrefixes[0]);
        ParseResult<Msisdn> sender = plan.ParseMsisdn(nationalMobile);
        if (!sender.Success)
        {
            // A plan without an operator prefix tops up nobody; the plan's own checks report it.
            return;
        }

        foreach (Bank bank in banks)
        {
            string where = $"{BankDirectory.Folder}/{bank.Code}.json";
            foreach (SmsForm form in bank.Forms)
            {
                foreach (string example in form.Examples)
                {
                    SmsInterpreter.Reading reading = interpreter.Read(bank, sender.Value, example);
                    if (reading.Error is not null)
                    {
                        errors.Add($"{where}: the example '{example}' of '{form.Pattern}' is refused: {reading.Error.Message}");
                    }
                    else if (reading.Forms.FirstOrDefault(f => f != form) is { } other)
                    {
                        errors.Add($"{where}: the example '{example}' of '{form.Pattern}' is read by '{other.Pattern}'.");
                    }
                }
            }

            var reported = new HashSet<(SmsForm, SmsForm)>();
            Samples samples = new(plan, bank, nationalMobile);
            foreach (SmsForm form in bank.Forms)
            {
                foreach (string text in samples.For(form))
                {
                    SmsForm[] readers = [.. interpreter.FormsReading(bank, sender.Value, SmsInterpreter.Tokens(text))];
                    if (readers.Length > 1 && reported.Add((readers[0], readers[1])))
                    {
                        errors.Add($"{where}: '{text}' can be read by both '{readers[0].Pattern}' and '{readers[1].Pattern}': one text must mean one thing.");
                    }
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }
    }

    /// <summary>A national number (with its 0) of a prefix, filled up with digits to the plan's length.</summary>
    private static string National(NumberingPlan plan, string prefix) =>
        string.Concat(prefix, "123456789012".AsSpan(0, plan.NationalLength + 1 - prefix.Length));

    private sealed class Samples
    {
        private readonly string[] _mobile;
        private readonly string[] _mobileNational;
        private readonly string[] _fixed;
        private readonly string[] _fixedNational;
        private readonly string[] _amount;
        private readonly string[] _account;

        public Samples(NumberingPlan plan, Bank bank, string nationalMobile)
        {
            string E164(string national) => $"+{plan.CountryCode}{national[1..]}";
            _mobileNational = [nationalMobile, nationalMobile[1..]];
            _mobile = [.. _mobileNational, E164(nationalMobile)];
            _fixedNational = [.. plan.FixedPrefixes.Select(p => National(plan, p))];
            _fixed = [.. _fixedNational, .. _fixedNational.Select(n => n[1..]), .. _fixedNational.Select(E164)];
            string min = bank.MinAmount.ToDecimalString(), max = bank.MaxAmount.ToDecimalString();
            string whole = bank.MinAmount.Cents % 100 == 0 ? (bank.MinAmount.Cents / 100).ToString(System.Globalization.CultureInfo.InvariantCulture) : min;
            _amount = [whole, whole + "€", whole + " EUR", min.Replace('.', ','), max];
            _account =
            [
                "user1", "shfrytëzuesi1", whole, .. _mobileNational, .. _fixedNational.Take(1),
                .. bank.Forms.SelectMany(f => f.Words).Where(w => w.Keyword is not null).Select(w => w.Keyword!).Distinct(StringComparer.OrdinalIgnoreCase),
            ];
        }

        /// <summary>Every combination of sample values for the form's words.</summary>
        public IEnumerable<string> For(SmsForm form)
        {
            IEnumerable<string> texts = [""];
            foreach (FormWord word in form.Words)
            {
                string[] values = Values(word);
                texts = texts.SelectMany(t => values.Select(v => t.Length == 0 ? v : t + " " + v)).ToList();
            }

            return texts;
        }

        private string[] Values(FormWord word) => word switch
        {
            { Keyword: { } keyword } => [keyword],
            { AmountGlued: true, Slot: Slot.Mobile } => [.. _mobileNational.SelectMany(n => _amount.Select(a => n + a))],
            { AmountGlued: true } => [.. _fixedNational.SelectMany(n => _amount.Select(a => n + a))],
            { Slot: Slot.Amount } => _amount,
            { Slot: Slot.Mobile } => _mobile,
            { Slot: Slot.Fixed } => _fixed,
            _ => _account,
        };
    }
}
