using System.Data.Common;
using System.Globalization;
using System.Text;
using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.TopUp;

/// <summary>Which control refused a message (the message's code: <see cref="TopUpControls"/>).</summary>
public static class ControlCodes
{
    /// <summary>The sender's SIM changed within the bank's cool-down.</summary>
    public const string SimChanged = "SIM_CHANGED";

    /// <summary>A daily cap (the registration's or the authorised person's) would be passed.</summary>
    public const string DailyCap = "DAILY_CAP";

    /// <summary>A monthly cap would be passed.</summary>
    public const string MonthlyCap = "MONTHLY_CAP";

    /// <summary>The sender sent more top-ups in the minute or hour than the bank allows.</summary>
    public const string SenderVelocity = "VELOCITY_SENDER";

    /// <summary>A target was topped up more often in the minute or hour than the bank allows.</summary>
    public const string TargetVelocity = "VELOCITY_TARGET";

    public static readonly IReadOnlyList<string> All = [SimChanged, DailyCap, MonthlyCap, SenderVelocity, TargetVelocity];
}

/// <summary>Why the controls refused a message: its code, its reply, and what the trail records of it.</summary>
public sealed record ControlRefusal(string Code, string Reply, object Details);

/// <summary>
/// The controls on an SMS top-up (docs/design/controls.md): the registration's and the authorised person's caps per
/// operator-local day and month, the bank's velocity limits per sender and per target, and the SIM-swap cool-down. All
/// are consumed by one conditional upsert in the commit that records the message with the ledger's hold (so two messages
/// at once cannot both pass a cap); a decline, a failure or a reversal gives the amount back in the commit that voids or
/// reverses. Only when that upsert refuses is anything read, to say which control refused and what is left.
/// </summary>
public sealed class TopUpControls(ControlSettings settings, OperatorClock clock, Database database, CommitQueue commits, ReplyTexts texts, NumberingPlan numbering)
{
    /// <summary>The refusal of the commit that records a message when a control refused it (the reply is made after).</summary>
    public const string Refused = "CONTROL_REFUSED";

    private const string Day = "d";
    private const string Month = "m";
    private const string Count = "v";

    public ControlSettings Settings => settings;

    /// <summary>The scope of a registration's caps, and of one person's in it.</summary>
    public static string RegistrationScope(string registrationId) => "reg:" + registrationId;

    public static string PersonScope(string registrationId, string msisdn) => "reg:" + registrationId + ":" + msisdn;

    public static string DayPeriod(DateOnly day) => Day + day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string MonthPeriod(DateOnly day) => Month + day.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>
    /// In the commit that records a message with its hold: consumes the message's allowances, all or none. False when
    /// one would be passed or the sender's SIM changed within the cool-down: the work must refuse
    /// (<see cref="Refused"/>) and undo what it wrote. A plan without a registration (made before the controls) is
    /// not controlled.
    /// </summary>
    internal async Task<bool> ChargeAsync(CommitContext context, SmsTransaction row, CancellationToken ct)
    {
        if (row.Plan is not { RegistrationId: { } registration } plan || row.Msisdn is null)
        {
            return true;
        }

        List<Allowance> allowances = Allowances(row, plan);
        BankControls controls = settings.For(plan.BankCode);
        var values = new StringBuilder();
        var parameters = new List<(string, object?)>(4 + (allowances.Count * 7))
        {
            ("reg", registration),
            ("sender", row.Msisdn),
            ("since", (row.ReceivedAt - controls.SimSwapCoolDown).ToUnixTimeMilliseconds()),
        };
        for (int i = 0; i < allowances.Count; i++)
        {
            Allowance a = allowances[i];
            string n = i.ToString(CultureInfo.InvariantCulture);
            values.Append(i == 0 ? "" : ", ")
                .Append($"(CAST(@s{n} AS TEXT), CAST(@p{n} AS TEXT), CAST(@n{n} AS BIGINT), CAST(@k{n} AS TEXT), CAST(@m{n} AS TEXT), CAST(@l{n} AS BIGINT), CAST(@e{n} AS BIGINT))");
            parameters.Add(("s" + n, a.Scope));
            parameters.Add(("p" + n, a.Period));
            parameters.Add(("n" + n, a.Amount));
            parameters.Add(("k" + n, a.Kind));
            parameters.Add(("m" + n, a.Person));
            parameters.Add(("l" + n, a.DefaultLimit));
            parameters.Add(("e" + n, a.ExpiresAt));
        }

        // Each row is consumed only within its limit (the registration's own cap, else the bank's default, else the
        // velocity limit) and only while the sender's SIM has not changed within the cool-down: a row that does not pass
        // is neither inserted nor updated, so fewer rows than allowances change, and the work refuses.
        string sql =
            "INSERT INTO sms_control_counters (scope, period, used, limit_value, expires_at) "
            + "SELECT x.scope, x.period, x.n, x.lim, x.expires FROM (SELECT v.column1 AS scope, v.column2 AS period, v.column3 AS n, "
            + $"CASE v.column4 WHEN '{Day}' THEN COALESCE(c.daily_cents, v.column6) WHEN '{Month}' THEN COALESCE(c.monthly_cents, v.column6) ELSE v.column6 END AS lim, "
            + "v.column7 AS expires FROM (VALUES " + values + ") AS v "
            + "LEFT JOIN sms_caps c ON c.registration_id = @reg AND c.msisdn = v.column5) x "
            + "WHERE (x.lim IS NULL OR x.n <= x.lim) "
            + "AND NOT EXISTS (SELECT 1 FROM sms_sim_changes s WHERE s.msisdn = @sender AND s.changed_at > @since) "
            + "ON CONFLICT (scope, period) DO UPDATE SET used = sms_control_counters.used + excluded.used, limit_value = excluded.limit_value "
            + "WHERE excluded.limit_value IS NULL OR sms_control_counters.used + excluded.used <= excluded.limit_value";
        return await context.ExpectRowsAsync(sql, allowances.Count, ct, [.. parameters]);
    }

    /// <summary>
    /// In the commit that voids a message's hold (a decline, a failure) or reverses it: gives its amount back to the caps
    /// it consumed, for the day and month it was received in. Velocity is not given back: the message was sent.
    /// </summary>
    public void GiveBack(CommitContext context, TopUpPlan plan, string? msisdn, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.RegistrationId is not { } registration || msisdn is null)
        {
            return;
        }

        DateOnly day = clock.LocalDate(receivedAt);
        string person = plan.ByAuthorized ? PersonScope(registration, msisdn) : RegistrationScope(registration);
        context.Defer(
            "UPDATE sms_control_counters SET used = used - @amount WHERE scope IN (@reg, @person) AND period IN (@day, @month)",
            ("amount", plan.Total.Cents),
            ("reg", RegistrationScope(registration)),
            ("person", person),
            ("day", DayPeriod(day)),
            ("month", MonthPeriod(day)));
    }

    /// <summary>
    /// After the commit refused a message with <see cref="Refused"/>: which control it was, read now, with the reply in
    /// the sender's language. Null when none refuses any more (a top-up gave its amount back meanwhile): record the
    /// message again.
    /// </summary>
    public async Task<ControlRefusal?> ExplainAsync(SmsTransaction row, string bankName, Language language, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.Plan is not { RegistrationId: { } registration } plan || row.Msisdn is null)
        {
            return null;
        }

        BankControls controls = settings.For(plan.BankCode);
        List<Allowance> allowances = Allowances(row, plan);
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        long? changedAt = null;
        await using (DbCommand sim = connection.Command(
            "SELECT MAX(changed_at) FROM sms_sim_changes WHERE msisdn = @m AND changed_at > @since",
            null,
            ("m", row.Msisdn),
            ("since", (row.ReceivedAt - controls.SimSwapCoolDown).ToUnixTimeMilliseconds())))
        {
            object? found = await sim.ExecuteScalarAsync(ct);
            changedAt = found is null or DBNull ? null : Convert.ToInt64(found, CultureInfo.InvariantCulture);
        }

        if (changedAt is { } changed)
        {
            DateTimeOffset until = DateTimeOffset.FromUnixTimeMilliseconds(changed) + controls.SimSwapCoolDown;
            string reply = texts.Format("controls." + ControlCodes.SimChanged, language, ("bank", bankName), ("until", Shown(until)));
            return new ControlRefusal(ControlCodes.SimChanged, reply, new { control = "simSwap", changedAt = DateTimeOffset.FromUnixTimeMilliseconds(changed), until });
        }

        Dictionary<(string, string), long> used = await UsedAsync(connection, allowances.Select(a => a.Scope).Distinct(), ct);
        CapsRow? registrationCaps = null;
        CapsRow? personCaps = null;
        foreach (CapsRow caps in await CapsAsync(connection, registration, ct))
        {
            if (caps.Msisdn.Length == 0)
            {
                registrationCaps = caps;
            }
            else if (caps.Msisdn == row.Msisdn)
            {
                personCaps = caps;
            }
        }

        foreach (Allowance a in allowances)
        {
            CapsRow? own = a.Person is null ? null : a.Person.Length == 0 ? registrationCaps : personCaps;
            long? limit = a.Kind switch
            {
                Day => own?.Daily ?? a.DefaultLimit,
                Month => own?.Monthly ?? a.DefaultLimit,
                _ => a.DefaultLimit,
            };
            long now = used.GetValueOrDefault((a.Scope, a.Period));
            if (limit is not { } cap || now + a.Amount <= cap)
            {
                continue;
            }

            if (a.Kind == Count)
            {
                bool bySender = a.Scope.StartsWith("from:", StringComparison.Ordinal);
                bool perMinute = a.Period.StartsWith('i');
                DateTimeOffset until = DateTimeOffset.FromUnixTimeMilliseconds(a.ExpiresAt);
                string code = bySender ? ControlCodes.SenderVelocity : ControlCodes.TargetVelocity;
                string target = bySender ? "" : Target(a.Scope["to:".Length..], plan);
                string reply = texts.Format(
                    "controls." + code,
                    language,
                    ("limit", cap.ToString(CultureInfo.InvariantCulture)),
                    ("per", texts.Format(perMinute ? "controls.per.minute" : "controls.per.hour", language)),
                    ("until", Shown(until, withDate: false)),
                    ("target", target));
                return new ControlRefusal(code, reply, new { control = "velocity", scope = bySender ? "sender" : "target", target, window = perMinute ? "minute" : "hour", limit = cap, until });
            }

            string capCode = a.Kind == Day ? ControlCodes.DailyCap : ControlCodes.MonthlyCap;
            bool ofPerson = a.Person is { Length: > 0 };
            long left = Math.Max(0, cap - now);
            string whose = texts.Format(ofPerson ? "controls.whose.person" : "controls.whose.registration", language, ("bank", bankName));
            string text = texts.Format(
                "controls." + capCode,
                language,
                ("amount", Money.FromCents(a.Amount).ToDecimalString()),
                ("cap", Money.FromCents(cap).ToDecimalString()),
                ("left", Money.FromCents(left).ToDecimalString()),
                ("whose", whose));
            return new ControlRefusal(capCode, text, new
            {
                control = "cap",
                cap = a.Kind == Day ? "daily" : "monthly",
                of = ofPerson ? "authorized" : "registration",
                capCents = cap,
                usedCents = now,
                leftCents = left,
                amountCents = a.Amount,
            });
        }

        return null;
    }

    /// <summary>A registration's caps, its own and the bank's defaults, with what is used today and this month.</summary>
    public async Task<RegistrationCaps> CapsOfAsync(Registration registration, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(registration);
        DefaultCaps defaults = settings.For(registration.BankCode).Caps;
        DateOnly today = clock.Today;
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        IReadOnlyList<CapsRow> own = await CapsAsync(connection, registration.Id, ct);
        var scopes = new List<string> { RegistrationScope(registration.Id) };
        scopes.AddRange(registration.Authorized.Select(m => PersonScope(registration.Id, m.E164)));
        Dictionary<(string, string), long> used = await UsedAsync(connection, scopes, ct);

        CapsUse Use(string scope, CapsRow? caps, Money? daily, Money? monthly) => new(
            caps?.Daily is { } d ? Money.FromCents(d) : daily,
            caps?.Monthly is { } m ? Money.FromCents(m) : monthly,
            caps?.Daily is not null,
            caps?.Monthly is not null,
            Money.FromCents(used.GetValueOrDefault((scope, DayPeriod(today)))),
            Money.FromCents(used.GetValueOrDefault((scope, MonthPeriod(today)))));

        CapsUse whole = Use(
            RegistrationScope(registration.Id), own.FirstOrDefault(c => c.Msisdn.Length == 0), defaults.RegistrationDaily, defaults.RegistrationMonthly);
        var people = registration.Authorized
            .Select(m => new PersonCaps(m, Use(PersonScope(registration.Id, m.E164), own.FirstOrDefault(c => c.Msisdn == m.E164), defaults.AuthorizedDaily, defaults.AuthorizedMonthly)))
            .ToList();
        return new RegistrationCaps(registration.Id, registration.BankCode, today, whole, people);
    }

    /// <summary>
    /// Forgets what was used in windows that ended long enough ago (a minute, an hour, a day and a month, each with a
    /// margin for the console): keeps the table small. Relaxed: lost in a power cut, it is done again.
    /// </summary>
    public async Task<int> ForgetEndedAsync(CancellationToken ct = default)
    {
        var purge = CommitStatement.Any("DELETE FROM sms_control_counters WHERE expires_at < @now", ("now", clock.UtcNow.ToUnixTimeMilliseconds()));
        await commits.CommitAsync(purge, Durability.Relaxed, ct);
        return purge.Rows;
    }

    /// <summary>What a message consumes, in key order (so that two commits take the rows' locks in one order).</summary>
    private List<Allowance> Allowances(SmsTransaction row, TopUpPlan plan)
    {
        BankControls controls = settings.For(plan.BankCode);
        string registration = plan.RegistrationId!;
        string sender = row.Msisdn!;
        DateOnly day = clock.LocalDate(row.ReceivedAt);
        long total = plan.Total.Cents;
        long dayEnds = clock.DayBounds(day).To.AddDays(1).ToUnixTimeMilliseconds();
        long monthEnds = clock.DayBounds(new DateOnly(day.Year, day.Month, 1).AddMonths(1)).From.AddDays(31).ToUnixTimeMilliseconds();
        var list = new List<Allowance>
        {
            new(RegistrationScope(registration), DayPeriod(day), total, Day, "", controls.Caps.RegistrationDaily?.Cents, dayEnds),
            new(RegistrationScope(registration), MonthPeriod(day), total, Month, "", controls.Caps.RegistrationMonthly?.Cents, monthEnds),
        };
        if (plan.ByAuthorized)
        {
            list.Add(new(PersonScope(registration, sender), DayPeriod(day), total, Day, sender, controls.Caps.AuthorizedDaily?.Cents, dayEnds));
            list.Add(new(PersonScope(registration, sender), MonthPeriod(day), total, Month, sender, controls.Caps.AuthorizedMonthly?.Cents, monthEnds));
        }

        long seconds = row.ReceivedAt.ToUnixTimeSeconds();
        long minute = seconds / 60;
        long hour = seconds / 3600;
        void Velocity(string scope, int? perMinute, int? perHour)
        {
            if (perMinute is { } m)
            {
                list.Add(new(scope, "i" + minute.ToString(CultureInfo.InvariantCulture), 1, Count, null, m, (minute + 1) * 60_000));
            }

            if (perHour is { } h)
            {
                list.Add(new(scope, "h" + hour.ToString(CultureInfo.InvariantCulture), 1, Count, null, h, (hour + 1) * 3_600_000));
            }
        }

        // A renewal's try is made by the sweep, not sent from the phone: no velocity (docs/design/renewals.md).
        VelocityLimits velocity = plan.Renewal ? VelocityLimits.None : controls.Velocity;
        Velocity("from:" + sender, velocity.PerSenderPerMinute, velocity.PerSenderPerHour);
        foreach (string target in SmsTransactions.TargetsOf(plan))
        {
            Velocity("to:" + target, velocity.PerTargetPerMinute, velocity.PerTargetPerHour);
        }

        list.Sort((a, b) => string.CompareOrdinal(a.Scope + " " + a.Period, b.Scope + " " + b.Period));
        return list;
    }

    /// <summary>How the reply names a target: a number as the subscriber writes it, an account as the plan named it.</summary>
    private string Target(string target, TopUpPlan plan) =>
        target.StartsWith('+')
            ? numbering.ToNational(target)
            : plan.Credits.FirstOrDefault(c => c.ServiceAccountId == target)?.Target ?? target;

    private string Shown(DateTimeOffset instant, bool withDate = true) =>
        TimeZoneInfo.ConvertTime(instant, clock.Zone).ToString(withDate ? "dd.MM.yyyy HH:mm" : "HH:mm", CultureInfo.InvariantCulture);

    private static async Task<Dictionary<(string, string), long>> UsedAsync(DbConnection connection, IEnumerable<string> scopes, CancellationToken ct)
    {
        var used = new Dictionary<(string, string), long>();
        string[] list = [.. scopes];
        if (list.Length == 0)
        {
            return used;
        }

        string names = string.Join(", ", list.Select((_, i) => "@s" + i.ToString(CultureInfo.InvariantCulture)));
        await using DbCommand command = connection.Command(
            $"SELECT scope, period, used FROM sms_control_counters WHERE scope IN ({names})",
            null,
            [.. list.Select((s, i) => ("s" + i.ToString(CultureInfo.InvariantCulture), (object?)s))]);
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            used[(r.GetString(0), r.GetString(1))] = r.GetInt64(2);
        }

        return used;
    }

    private static async Task<IReadOnlyList<CapsRow>> CapsAsync(DbConnection connection, string registration, CancellationToken ct)
    {
        await using DbCommand command = connection.Command(
            "SELECT msisdn, daily_cents, monthly_cents FROM sms_caps WHERE registration_id = @r", null, ("r", registration));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var rows = new List<CapsRow>();
        while (await r.ReadAsync(ct))
        {
            rows.Add(new CapsRow(r.GetString(0), r.GetNullableInt64(1), r.GetNullableInt64(2)));
        }

        return rows;
    }

    /// <summary>
    /// One row of a message's allowances. <paramref name="Person"/>: "" for the registration's caps, the sender for
    /// theirs, null for a velocity count; <paramref name="DefaultLimit"/>: the bank's (for a cap, where the registration
    /// set none).
    /// </summary>
    private sealed record Allowance(string Scope, string Period, long Amount, string Kind, string? Person, long? DefaultLimit, long ExpiresAt);

    private sealed record CapsRow(string Msisdn, long? Daily, long? Monthly);
}

/// <summary>
/// One cap pair in force and its use: the daily and monthly caps (the registration's own, or the bank's default when
/// <see cref="OwnDaily"/>/<see cref="OwnMonthly"/> is false; null: none), and what is used today and this month.
/// </summary>
public sealed record CapsUse(Money? Daily, Money? Monthly, bool OwnDaily, bool OwnMonthly, Money UsedToday, Money UsedThisMonth)
{
    public Money? LeftToday => Daily is { } cap ? Money.FromCents(Math.Max(0, cap.Cents - UsedToday.Cents)) : null;

    public Money? LeftThisMonth => Monthly is { } cap ? Money.FromCents(Math.Max(0, cap.Cents - UsedThisMonth.Cents)) : null;
}

/// <summary>An authorised person's caps and their use.</summary>
public sealed record PersonCaps(Msisdn Msisdn, CapsUse Caps);

/// <summary>A registration's caps as a whole and per authorised person, on the operator-local day <see cref="Today"/>.</summary>
public sealed record RegistrationCaps(string RegistrationId, string BankCode, DateOnly Today, CapsUse Registration, IReadOnlyList<PersonCaps> Authorized);
