using System.Net;
using System.Text.Json;
using Mbushja.Ledger;

namespace Mbushja.Server.Tests;

/// <summary>Service accounts: created per kind, found by every identifier, identifiers unique.</summary>
public abstract partial class ServerApiSpec
{
    private sealed record Identifiers(string? Username, string? Contract, string? SmartCard, string? Number);

    private Task<HttpResponseMessage> CreateAccountAsync(string kind, string packageCode, Identifiers ids, long? balanceCents = null) =>
        Http.PostJsonAsync(
            "/api/v1/service-accounts",
            Api.Json(new { kind, packageCode, username = ids.Username, contract = ids.Contract, smartCard = ids.SmartCard, number = ids.Number, balanceCents }));

    private Task<HttpResponseMessage> GetAccountAsync(string identifier) =>
        Http.GetAsAdminAsync("/api/v1/service-accounts/" + Uri.EscapeDataString(identifier));

    /// <summary>Identifiers nobody has: <c>User.N</c>, <c>K-N</c>, <c>ScN</c> (mixed case on purpose), fixed number <c>038NNNNNN</c>.</summary>
    private Identifiers FreshIdentifiers(bool username = true, bool contract = true, bool smartCard = true, bool number = false)
    {
        int n = Server.NextSuffix();
        return new Identifiers(
            username ? $"User.{n}" : null,
            contract ? $"K-{n}" : null,
            smartCard ? $"Sc{n}" : null,
            number ? $"038{n:D6}" : null);
    }

    public static TheoryData<string, string, bool, bool, bool, bool, long?> AccountsOfEveryKind => new()
    {
        { "tv", "DTV_FAMILJARE", false, false, true, false, null },
        { "tv", "DTV_FAMILJARE", true, true, true, false, 350 }, // a TV account's prepaid balance is for PPV
        { "duo", "DUO_TV", false, false, true, false, null },
        { "internet", "INTERNET_1", true, false, false, false, null },
        { "internet", "INTERNET_2", false, true, false, false, 0 },
        { "internet", "INTERNET_3", true, true, false, false, null },
        { "duo", "DUO_MINI", true, true, false, false, null },
        { "duo", "DUO_MAXI", false, true, false, false, null },
        { "duo", "DUO_MAXI", true, true, true, false, 100 },
        { "fixed", "FIXED_LINE", false, false, false, true, null },
        { "fixed", "FIXED_LINE", true, true, false, true, 1_234 },
    };

    [Theory]
    [MemberData(nameof(AccountsOfEveryKind))]
    public async Task CreateServiceAccount_EachKind_Returns201AndIsFoundByEachIdentifier(
        string kind, string packageCode, bool username, bool contract, bool smartCard, bool number, long? balanceCents)
    {
        Identifiers ids = FreshIdentifiers(username, contract, smartCard, number);
        string? e164 = ids.Number is null ? null : "+383" + ids.Number[1..];

        HttpResponseMessage response = await CreateAccountAsync(kind, packageCode, ids, balanceCents);

        JsonElement created = await response.ExpectAsync(HttpStatusCode.Created);
        string id = created.String("id");
        Assert.False(string.IsNullOrWhiteSpace(id));
        Assert.Equal($"/api/v1/service-accounts/{id}", response.Headers.Location?.OriginalString);
        AssertAccount(created, id, kind, packageCode, ids, e164, balanceCents ?? 0);

        var lookups = new List<string> { id, id.ToUpperInvariant() };
        if (ids.Username is { } u)
        {
            lookups.AddRange([u, u.ToLowerInvariant(), u.ToUpperInvariant()]);
        }

        if (ids.Contract is { } c)
        {
            lookups.AddRange([c, c.ToLowerInvariant()]);
        }

        if (ids.SmartCard is { } s)
        {
            lookups.AddRange([s, s.ToUpperInvariant()]);
        }

        if (ids.Number is { } national)
        {
            lookups.AddRange([national, e164!, e164![1..], "00" + e164[1..], national[1..], $"{national[..3]} {national[3..6]} {national[6..]}"]);
        }

        foreach (string identifier in lookups)
        {
            JsonElement found = await (await GetAccountAsync(identifier)).ExpectAsync(HttpStatusCode.OK);
            AssertAccount(found, id, kind, packageCode, ids, e164, balanceCents ?? 0);
        }
    }

    private static void AssertAccount(JsonElement account, string id, string kind, string packageCode, Identifiers ids, string? e164, long balanceCents)
    {
        Assert.Equal(id, account.String("id"));
        Assert.Equal(kind, account.String("kind"));
        Assert.Equal(packageCode, account.String("packageCode"));
        // Identifiers are kept as written; only lookups ignore case.
        Assert.Equal(ids.Username, account.GetProperty("username").GetString());
        Assert.Equal(ids.Contract, account.GetProperty("contract").GetString());
        Assert.Equal(ids.SmartCard, account.GetProperty("smartCard").GetString());
        Assert.Equal(e164, account.GetProperty("number").GetString());
        Assert.Equal(JsonValueKind.Null, account.GetProperty("paidUntil").ValueKind);
        Assert.Equal(balanceCents, account.Long("balanceCents"));
        Assert.Equal("EUR", account.String("currency"));
    }

    [Theory]
    [InlineData("TV", "dtv_familjare", "tv", "DTV_FAMILJARE")]
    [InlineData(" Internet ", " INTERNET_2 ", "internet", "INTERNET_2")]
    public async Task CreateServiceAccount_KindAndPackageInAnyCase_AreStoredCanonically(string kind, string package, string expectedKind, string expectedPackage)
    {
        Identifiers ids = FreshIdentifiers(smartCard: kind.Trim() == "TV");

        JsonElement created = await (await CreateAccountAsync(kind, package, ids)).ExpectAsync(HttpStatusCode.Created);

        Assert.Equal((expectedKind, expectedPackage), (created.String("kind"), created.String("packageCode")));
    }

    [Fact]
    public async Task GetServiceAccount_Unknown_Returns404NotFound()
    {
        foreach (string identifier in new[] { "nobody.here", "038999998", "0123456789abcdef0123456789abcdef", "x' OR '1'='1", new string('a', 200) })
        {
            await (await GetAccountAsync(identifier)).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
        }
    }

    [Theory]
    [InlineData("tv", "NOPE")]
    [InlineData("internet", "INTERNET_4")]
    [InlineData("tv", "")]
    [InlineData("duo", "DUO")]
    public async Task CreateServiceAccount_UnknownPackage_Returns422OnPackageCode(string kind, string packageCode)
    {
        Identifiers ids = FreshIdentifiers();

        HttpResponseMessage response = await CreateAccountAsync(kind, packageCode, ids with { SmartCard = kind == "internet" ? null : ids.SmartCard });

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "UNKNOWN_PACKAGE", "packageCode");
        await AssertFreeAsync(ids);
    }

    [Theory]
    [InlineData("internet", "DTV_FAMILJARE")]
    [InlineData("tv", "INTERNET_1")]
    [InlineData("tv", "DUO_TV")]
    [InlineData("duo", "DTV_FAMILJARE")]
    [InlineData("fixed", "DUO_MINI")]
    [InlineData("internet", "FIXED_LINE")]
    [InlineData("tv", "PPV")] // PPV is bought by amount: no account subscribes to it
    [InlineData("duo", "PPV")]
    public async Task CreateServiceAccount_PackageOfAnotherKindOrPpv_Returns422PackageKindMismatch(string kind, string packageCode)
    {
        Identifiers ids = FreshIdentifiers(smartCard: kind is "tv" or "duo", number: kind == "fixed");

        HttpResponseMessage response = await CreateAccountAsync(kind, packageCode, ids);

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "PACKAGE_KIND_MISMATCH", "packageCode");
        await AssertFreeAsync(ids);
    }

    [Theory]
    [InlineData("internet", "INTERNET_1")]
    [InlineData("tv", "DTV_FAMILJARE")]
    [InlineData("duo", "DUO_MINI")]
    public async Task CreateServiceAccount_NoIdentifier_Returns422IdentifierRequired(string kind, string packageCode)
    {
        HttpResponseMessage response = await CreateAccountAsync(kind, packageCode, new Identifiers(null, null, null, null), 100);

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "IDENTIFIER_REQUIRED");
    }

    [Fact]
    public async Task CreateServiceAccount_FixedWithoutNumber_Returns422OnNumber()
    {
        Identifiers ids = FreshIdentifiers(smartCard: false);

        HttpResponseMessage response = await CreateAccountAsync("fixed", "FIXED_LINE", ids);

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "IDENTIFIER_REQUIRED", "number");
        await AssertFreeAsync(ids);
    }

    [Theory]
    [InlineData("internet", "INTERNET_1")]
    [InlineData("fixed", "FIXED_LINE")]
    public async Task CreateServiceAccount_SmartCardOnAKindWithoutOne_Returns422OnSmartCard(string kind, string packageCode)
    {
        Identifiers ids = FreshIdentifiers(number: kind == "fixed");

        HttpResponseMessage response = await CreateAccountAsync(kind, packageCode, ids);

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "IDENTIFIER_NOT_ALLOWED", "smartCard");
        await AssertFreeAsync(ids);
    }

    [Theory]
    [InlineData("internet", "INTERNET_1")]
    [InlineData("tv", "DTV_FAMILJARE")]
    [InlineData("duo", "DUO_MAXI")]
    public async Task CreateServiceAccount_NumberOnANonFixedKind_Returns422OnNumber(string kind, string packageCode)
    {
        Identifiers ids = FreshIdentifiers(smartCard: kind != "internet", number: true);

        HttpResponseMessage response = await CreateAccountAsync(kind, packageCode, ids);

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "IDENTIFIER_NOT_ALLOWED", "number");
        await AssertFreeAsync(ids);
    }

    [Theory]
    [InlineData("049123456")] // a mobile number
    [InlineData("03812345")]
    [InlineData("+38149123456")]
    [InlineData("fixed")]
    public async Task CreateServiceAccount_FixedWithInvalidNumber_Returns422InvalidNumber(string number)
    {
        HttpResponseMessage response = await CreateAccountAsync("fixed", "FIXED_LINE", FreshIdentifiers(smartCard: false) with { Number = number });

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "INVALID_NUMBER", "number");
    }

    [Theory]
    [InlineData("mobile")]
    [InlineData("")]
    [InlineData("tvv")]
    [InlineData("📺")]
    public async Task CreateServiceAccount_UnknownKind_Returns422OnKind(string kind)
    {
        HttpResponseMessage response = await CreateAccountAsync(kind, "DTV_FAMILJARE", FreshIdentifiers());

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "INVALID_KIND", "kind");
    }

    [Theory]
    [InlineData("username", "a b")]
    [InlineData("username", "ärta")]
    [InlineData("username", "")]
    [InlineData("username", "name/with/slash")]
    [InlineData("contract", "K#1")]
    [InlineData("contract", "   ")]
    [InlineData("smartCard", "123")]
    [InlineData("smartCard", "12-34-56")]
    [InlineData("smartCard", "1234.5678")]
    public async Task CreateServiceAccount_InvalidIdentifier_Returns422OnThatField(string field, string value)
    {
        Identifiers ids = FreshIdentifiers();
        ids = field switch
        {
            "username" => ids with { Username = value },
            "contract" => ids with { Contract = value },
            _ => ids with { SmartCard = value },
        };

        HttpResponseMessage response = await CreateAccountAsync("duo", "DUO_MINI", ids);

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "INVALID_IDENTIFIER", field);
    }

    [Fact]
    public async Task CreateServiceAccount_IdentifierOf65Characters_Returns422()
    {
        HttpResponseMessage response = await CreateAccountAsync("internet", "INTERNET_1", new Identifiers(new string('u', 65), null, null, null));

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "INVALID_IDENTIFIER", "username");
    }

    [Theory]
    [InlineData("tv", "DTV_FAMILJARE", -1, "INVALID_AMOUNT")]
    [InlineData("fixed", "FIXED_LINE", -1000, "INVALID_AMOUNT")]
    [InlineData("fixed", "FIXED_LINE", 1_000_000_001, "INVALID_AMOUNT")]
    [InlineData("internet", "INTERNET_1", 100, "BALANCE_NOT_ALLOWED")]
    public async Task CreateServiceAccount_BalanceNotAllowed_Returns422OnBalanceCents(string kind, string packageCode, long balanceCents, string code)
    {
        Identifiers ids = FreshIdentifiers(smartCard: kind == "tv", number: kind == "fixed");

        HttpResponseMessage response = await CreateAccountAsync(kind, packageCode, ids, balanceCents);

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, code, "balanceCents");
        await AssertFreeAsync(ids);
    }

    [Theory]
    [InlineData("1e40")]
    [InlineData("9223372036854775808")]
    [InlineData("0.5")]
    public async Task CreateServiceAccount_BalanceNotAWholeNumberOfCents_Returns400OnBalanceCents(string balance)
    {
        HttpResponseMessage response = await Http.PostJsonAsync(
            "/api/v1/service-accounts", $$"""{"kind":"tv","packageCode":"DTV_FAMILJARE","smartCard":"12345678","balanceCents":{{balance}}}""");

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "MALFORMED_BODY", "balanceCents");
    }

    [Theory]
    [InlineData("""{"packageCode":"INTERNET_1","username":"someone"}""", "kind")]
    [InlineData("""{"kind":"internet","username":"someone"}""", "packageCode")]
    [InlineData("""{"kind":null,"packageCode":null}""", "kind")]
    [InlineData("{}", "kind")]
    public async Task CreateServiceAccount_MissingField_Returns400MissingFieldNamingIt(string json, string field)
    {
        HttpResponseMessage response = await Http.PostJsonAsync("/api/v1/service-accounts", json);

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "MISSING_FIELD", field);
    }

    [Fact]
    public async Task CreateServiceAccount_UnknownField_Returns400NamingIt()
    {
        HttpResponseMessage response = await Http.PostJsonAsync(
            "/api/v1/service-accounts", """{"kind":"internet","packageCode":"INTERNET_1","username":"x1","paidUntil":"2030-01-01"}""");

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "MALFORMED_BODY", "paidUntil");
    }

    public static TheoryData<string, string, bool> TakenIdentifiers => new()
    {
        // first account has it as, the refused one uses it as, in another case
        { "username", "username", false },
        { "username", "username", true },
        { "contract", "contract", true },
        { "smartCard", "smartCard", false },
        { "smartCard", "smartCard", true },
        { "username", "contract", false },
        { "contract", "username", true },
        { "username", "smartCard", true },
        { "smartCard", "contract", false },
    };

    [Theory]
    [MemberData(nameof(TakenIdentifiers))]
    public async Task CreateServiceAccount_IdentifierTaken_Returns409OnThatFieldAndCreatesNothing(string firstAs, string secondAs, bool otherCase)
    {
        string taken = $"Id{Server.NextSuffix()}x"; // valid as a username, a contract and a SMART card
        await (await CreateAccountAsync("duo", "DUO_MINI", With(new Identifiers(null, null, null, null), firstAs, taken)))
            .ExpectAsync(HttpStatusCode.Created);
        Identifiers others = FreshIdentifiers();
        Identifiers refused = With(others, secondAs, otherCase ? taken.ToUpperInvariant() : taken);
        LedgerTotals before = await Server.Ledger.GetTotalsAsync();

        HttpResponseMessage response = await CreateAccountAsync("duo", "DUO_TV", refused, 500);

        JsonElement problem = await response.ExpectProblemAsync(HttpStatusCode.Conflict, "IDENTIFIER_TAKEN", secondAs);
        Assert.Contains(taken.ToLowerInvariant(), problem.String("detail"), StringComparison.OrdinalIgnoreCase);
        LedgerTotals after = await Server.Ledger.GetTotalsAsync();
        Assert.Equal((before.Accounts, before.Transfers), (after.Accounts, after.Transfers));
        // Nothing of the refused account exists: its other identifiers are still free...
        Identifiers rest = With(others, secondAs, null);
        await AssertFreeAsync(rest);
        // ...and can be taken by the next account.
        await (await CreateAccountAsync("duo", "DUO_TV", rest, 500)).ExpectAsync(HttpStatusCode.Created);
    }

    private static Identifiers With(Identifiers ids, string field, string? value) => field switch
    {
        "username" => ids with { Username = value },
        "contract" => ids with { Contract = value },
        "smartCard" => ids with { SmartCard = value },
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
    };

    [Theory]
    [InlineData("plus")]
    [InlineData("national")]
    [InlineData("bare")]
    [InlineData("international")]
    public async Task CreateServiceAccount_FixedNumberTakenInAnotherForm_Returns409OnNumber(string form)
    {
        Identifiers first = FreshIdentifiers(username: false, contract: false, smartCard: false, number: true);
        await (await CreateAccountAsync("fixed", "FIXED_LINE", first)).ExpectAsync(HttpStatusCode.Created);
        string nsn = first.Number![1..];
        string again = form switch
        {
            "plus" => "+383" + nsn,
            "national" => "0" + nsn,
            "bare" => nsn,
            _ => "00383" + nsn,
        };
        Identifiers second = FreshIdentifiers(smartCard: false) with { Number = again };

        HttpResponseMessage response = await CreateAccountAsync("fixed", "FIXED_LINE", second, 700);

        await response.ExpectProblemAsync(HttpStatusCode.Conflict, "IDENTIFIER_TAKEN", "number");
        await AssertFreeAsync(second with { Number = null });
        JsonElement owner = await (await GetAccountAsync(again)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, owner.Long("balanceCents"));
    }

    [Fact]
    public async Task CreateServiceAccount_TwentyAtOnceWithTheSameUsername_CreatesOne()
    {
        string username = $"Race.{Server.NextSuffix()}";

        HttpResponseMessage[] responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => CreateAccountAsync(
            "internet", "INTERNET_2", new Identifiers(i % 2 == 0 ? username : username.ToUpperInvariant(), $"Race-{Server.NextSuffix()}", null, null))));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        foreach (HttpResponseMessage conflict in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            await conflict.ExpectProblemAsync(HttpStatusCode.Conflict, "IDENTIFIER_TAKEN", "username");
        }
    }

    /// <summary>None of the given identifiers names an account.</summary>
    private async Task AssertFreeAsync(Identifiers ids)
    {
        foreach (string? identifier in new[] { ids.Username, ids.Contract, ids.SmartCard, ids.Number })
        {
            if (identifier is not null)
            {
                await (await GetAccountAsync(identifier)).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
            }
        }
    }

    // ---------------------------------------------------------------- catalog --

    [Fact]
    public async Task Catalog_Get_ListsTheNinePackagesWithSpecPricesAndTheFee()
    {
        JsonElement catalog = await (await Http.GetAsAdminAsync("/api/v1/catalog")).ExpectAsync(HttpStatusCode.OK);

        (string Code, string Name, string Kind, long? PriceCents, bool InUssdMenu)[] expected =
        [
            ("DTV_FAMILJARE", "DTV Familjare", "tv", 850, true),
            ("DUO_TV", "DUO TV", "duo", 1790, true),
            ("INTERNET_1", "Internet Pako 1", "internet", 1490, true),
            ("INTERNET_2", "Internet Pako 2", "internet", 1990, true),
            ("INTERNET_3", "Internet Pako 3", "internet", 2490, true),
            ("DUO_MINI", "Duo – mini", "duo", 2190, true),
            ("DUO_MAXI", "Duo – maxi", "duo", 2990, true),
            ("PPV", "PPV kredit", "tv", null, true),
            ("FIXED_LINE", "Telefonia fikse", "fixed", 500, false),
        ];
        var actual = catalog.GetProperty("packages").EnumerateArray().Select(p => (
            p.String("code"),
            p.String("name"),
            p.String("kind"),
            p.GetProperty("priceCents").ValueKind == JsonValueKind.Null ? (long?)null : p.Long("priceCents"),
            p.GetProperty("inUssdMenu").GetBoolean())).ToArray();
        Assert.Equal(expected, actual);
        JsonElement ppv = catalog.GetProperty("packages")[7];
        Assert.Equal([200L, 500L, 1000L], ppv.GetProperty("amountsCents").EnumerateArray().Select(a => a.GetInt64()));
        Assert.Equal(50, catalog.Long("feeCents"));
        Assert.Equal("EUR", catalog.String("currency"));
    }
}
