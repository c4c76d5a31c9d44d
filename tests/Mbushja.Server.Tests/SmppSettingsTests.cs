using Mbushja.Server.Smpp;
using Mbushja.Smpp.Session;

namespace Mbushja.Server.Tests;

/// <summary><c>--smsc</c> URLs as operators write them, and where a password may come from.</summary>
public sealed class SmppSettingsTests
{
    private static readonly Dictionary<string, string> NoEnvironment = [];

    private static (IReadOnlyList<SmppSessionOptions> Binds, string? Error) Parse(string url, Dictionary<string, string>? environment = null, int index = 0) =>
        SmppSettings.ParseBind(url, index, name => (environment ?? NoEnvironment).GetValueOrDefault(name));

    [Fact]
    public void ParseBind_SystemIdPasswordHostPort_OneTransceiver()
    {
        SmppSessionOptions bind = Assert.Single(Parse("smpp://mbushja:pa%3Ass@smsc.ipko.example:2776").Binds);

        Assert.Equal(("smsc1", "smsc.ipko.example", 2776, "mbushja", "pa:ss", SmppBindType.Transceiver, 10),
            (bind.Name, bind.Host, bind.Port, bind.SystemId, bind.Password, bind.BindType, bind.WindowSize));
    }

    [Fact]
    public void ParseBind_NoPort_TheSmppPort()
    {
        Assert.Equal(2775, Assert.Single(Parse("smpp://mbushja:pw@10.1.2.3").Binds).Port);
    }

    [Fact]
    public void ParseBind_Pair_ATransmitterAndAReceiver()
    {
        IReadOnlyList<SmppSessionOptions> binds = Parse("smpp://mbushja:pw@smsc:2775?bind=pair&name=ipko&window=20&system_type=VMA", index: 3).Binds;

        Assert.Equal([("ipko-tx", SmppBindType.Transmitter), ("ipko-rx", SmppBindType.Receiver)], binds.Select(b => (b.Name, b.BindType)));
        Assert.All(binds, b => Assert.Equal((20, "VMA"), (b.WindowSize, b.SystemType)));
    }

    [Theory]
    [InlineData("tx", SmppBindType.Transmitter)]
    [InlineData("rx", SmppBindType.Receiver)]
    [InlineData("trx", SmppBindType.Transceiver)]
    public void ParseBind_BindType(string bind, SmppBindType type) =>
        Assert.Equal(type, Assert.Single(Parse($"smpp://m:pw@smsc?bind={bind}").Binds).BindType);

    [Fact]
    public void ParseBind_SecondUrl_NamedSmsc2()
    {
        Assert.Equal("smsc2", Assert.Single(Parse("smpp://m:pw@smsc", index: 1).Binds).Name);
    }

    [Fact]
    public void ParseBind_PasswordFromTheEnvironment_PerSystemIdFirst()
    {
        var environment = new Dictionary<string, string> { ["MBUSHJA_SMPP_PASSWORD"] = "shared", ["MBUSHJA_SMPP_PASSWORD_IPKO1"] = "own" };

        Assert.Equal("own", Assert.Single(Parse("smpp://ipko1@smsc", environment).Binds).Password);
        Assert.Equal("shared", Assert.Single(Parse("smpp://ipko2@smsc", environment).Binds).Password);
        Assert.Equal("inurl", Assert.Single(Parse("smpp://ipko1:inurl@smsc", environment).Binds).Password);
    }

    [Theory]
    [InlineData("smsc.example:2775")]
    [InlineData("http://m:pw@smsc:2775")]
    [InlineData("smpp://smsc:2775")]
    [InlineData("smpp://m@smsc:2775")]
    [InlineData("smpp://m:pw@smsc:2775?bind=both")]
    [InlineData("smpp://m:pw@smsc:2775?window=ten")]
    [InlineData("smpp://sixteen-characters:pw@smsc")]
    [InlineData("smpp://m:nine-char@smsc")]
    public void ParseBind_Unusable_SaysWhy_WithoutThePassword(string url)
    {
        (IReadOnlyList<SmppSessionOptions> binds, string? error) = Parse(url);

        Assert.Empty(binds);
        Assert.NotNull(error);
        Assert.StartsWith("--smsc", error, StringComparison.Ordinal);
        Assert.DoesNotContain("nine-char", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NoFile_Null()
    {
        string folder = Folder();

        Assert.Null(SmppSettings.Load(folder, _ => null));
    }

    [Fact]
    public void Load_TheFile_GivesBindsAndTextSettings()
    {
        string folder = Folder("""
            {
              // The operator's SMSC; passwords from the environment.
              "binds": ["smpp://ipko@smsc1:2775", "smpp://ipko@smsc2:2775?bind=pair"],
              "longMessages": "sar",
              "gsm7Packed": true,
              "transliterate": true,
              "registeredDelivery": 0,
              "redeliveryWindowSeconds": 120,
            }
            """);

        SmppSettings settings = SmppSettings.Load(folder, name => name == "MBUSHJA_SMPP_PASSWORD" ? "pw" : null)!;

        Assert.Equal(["smsc1", "smsc2-tx", "smsc2-rx"], settings.Binds.Select(b => b.Name));
        Assert.All(settings.Binds, b => Assert.Equal("pw", b.Password));
        Assert.Equal((Mbushja.Smpp.Text.LongMessageMode.Sar, true, true), (settings.Text.LongMessages, settings.Text.Gsm7Packed, settings.Text.Transliterate));
        Assert.Equal((0, TimeSpan.FromMinutes(2)), (settings.RegisteredDelivery, settings.RedeliveryWindow));
    }

    [Fact]
    public void Load_Mistakes_AreAllReportedAtOnce_WithoutPasswords()
    {
        string folder = Folder("""{"binds": ["smpp://ipko:toolongpw@smsc1", "http://x"], "longMessages": "pigeon", "redeliveryWindowSeconds": 0}""");

        Mbushja.Domain.ConfigurationException e = Assert.Throws<Mbushja.Domain.ConfigurationException>(() => SmppSettings.Load(folder, _ => null));

        Assert.Equal(4, e.Errors.Count);
        Assert.All(e.Errors, error => Assert.StartsWith("smpp.json: ", error, StringComparison.Ordinal));
        Assert.DoesNotContain("toolongpw", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UssdVariant_IsTakenAsWritten_AndDefaultsToTheSpecification()
    {
        SmppSettings variant = SmppSettings.Load(
            Folder("""{"binds": ["smpp://a:b@c"], "ussd": {"begin": [1, 33], "continue": [18, 34], "menu": 35, "end": 36, "via": "data_sm", "serviceCode": "101", "serviceType": "USSD"}}"""),
            _ => null)!;
        SmppSettings plain = SmppSettings.Load(Folder("""{"binds": ["smpp://a:b@c"]}"""), _ => null)!;

        Assert.Equal((UssdStep.Begin, UssdStep.Begin, UssdStep.Continue, UssdStep.Unknown), (variant.Ussd.Classify(1), variant.Ussd.Classify(33), variant.Ussd.Classify(34), variant.Ussd.Classify(2)));
        Assert.Equal(((byte)35, (byte)36, SmppUssdVia.DataSm, "101", "USSD"), (variant.Ussd.Menu, variant.Ussd.End, variant.Ussd.Via, variant.Ussd.ServiceCode, variant.Ussd.ServiceType));
        Assert.Equal((true, UssdStep.Begin, UssdStep.Continue, (byte)2, (byte)17, SmppUssdVia.SubmitSm), (plain.Ussd.Enabled, plain.Ussd.Classify(1), plain.Ussd.Classify(18), plain.Ussd.Menu, plain.Ussd.End, plain.Ussd.Via));
    }

    [Fact]
    public void Load_UssdMistakes_AreReported()
    {
        string folder = Folder("""{"binds": ["smpp://a:b@c"], "ussd": {"begin": [1], "continue": [1, 300], "via": "pigeon"}}""");

        Mbushja.Domain.ConfigurationException e = Assert.Throws<Mbushja.Domain.ConfigurationException>(() => SmppSettings.Load(folder, _ => null));

        Assert.Equal(3, e.Errors.Count);
    }

    [Fact]
    public void Load_UnknownSetting_IsRefused()
    {
        Assert.Throws<Mbushja.Domain.ConfigurationException>(() => SmppSettings.Load(Folder("""{"binds": ["smpp://a:b@c"], "speed": 9}"""), _ => null));
    }

    private static string Folder(string? smppJson = null)
    {
        string folder = Path.Combine(Path.GetTempPath(), "mbushja-smpp-config-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        if (smppJson is not null)
        {
            File.WriteAllText(Path.Combine(folder, SmppSettings.FileName), smppJson);
        }

        return folder;
    }

    [Theory]
    [InlineData("a,a", null, "0|1")] // by default one slot per configured bind
    [InlineData("a,a", 5, "0,2,4|1,3")]
    [InlineData("a,b,a", null, "0|0|1")] // each system_id has slots of its own
    [InlineData("a,b,a", 3, "0,2|0,1,2|1")]
    [InlineData("a", 1, "0")]
    [InlineData("a,a", 0, "|")] // no limit: no slots, no leases
    public void SlotsOf_TheSlotsOfASystemId_AreDealtToItsBindsInTurn(string systemIds, int? max, string expected)
    {
        var settings = new SmppSettings
        {
            Binds = [.. systemIds.Split(',').Select((id, i) => new SmppSessionOptions { Name = "b" + i, SystemId = id })],
            MaxBindsPerSystemId = max,
        };

        string slots = string.Join('|', settings.Binds.Select((_, i) => string.Join(',', settings.SlotsOf(i))));

        Assert.Equal(expected, slots);
        Assert.Empty(settings.BindLimitErrors());
    }

    [Fact]
    public void BindLimitErrors_MoreBindsOfASystemIdThanAllowed_NamesThem_AndCountsAPairAsTwo()
    {
        var settings = new SmppSettings
        {
            Binds = [.. Parse("smpp://m:pw@smsc1").Binds, .. Parse("smpp://m:pw@smsc2?bind=pair", index: 1).Binds, .. Parse("smpp://other:pw@smsc1", index: 2).Binds],
            MaxBindsPerSystemId = 2,
        };

        string error = Assert.Single(settings.BindLimitErrors());

        Assert.Contains("3 binds for system_id 'm' (smsc1, smsc2-tx, smsc2-rx", error, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", error, StringComparison.Ordinal);
    }

    [Fact]
    public void BindLimitErrors_ALeaseTooShort_IsRefused()
    {
        Assert.Single((SmppSettings.None with { BindLease = TimeSpan.FromSeconds(5) }).BindLimitErrors());
    }

    [Fact]
    public void Defaults_OneSlotPerBind_LeaseOfThirtySeconds()
    {
        Assert.Equal((null, TimeSpan.FromSeconds(30), true), (SmppSettings.None.MaxBindsPerSystemId, SmppSettings.None.BindLease, SmppSettings.None.SharesBinds));
    }

    [Fact]
    public void Load_BindLimitAndLease_AreTaken()
    {
        SmppSettings settings = SmppSettings.Load(Folder("""{"binds": ["smpp://a:b@c", "smpp://a:b@d"], "maxBindsPerSystemId": 4, "bindLeaseSeconds": 45}"""), _ => null)!;
        SmppSettings unlimited = SmppSettings.Load(Folder("""{"binds": ["smpp://a:b@c"], "maxBindsPerSystemId": 0}"""), _ => null)!;

        Assert.Equal((4, TimeSpan.FromSeconds(45)), (settings.MaxBindsPerSystemId, settings.BindLease));
        Assert.Equal([0, 2], settings.SlotsOf(0));
        Assert.False(unlimited.SharesBinds);
    }

    [Fact]
    public void Load_BindLimitMistakes_AreReported()
    {
        Mbushja.Domain.ConfigurationException tooMany = Assert.Throws<Mbushja.Domain.ConfigurationException>(
            () => SmppSettings.Load(Folder("""{"binds": ["smpp://a:b@c?bind=pair"], "maxBindsPerSystemId": 1}"""), _ => null));
        Mbushja.Domain.ConfigurationException wrong = Assert.Throws<Mbushja.Domain.ConfigurationException>(
            () => SmppSettings.Load(Folder("""{"binds": ["smpp://a:b@c"], "maxBindsPerSystemId": -1, "bindLeaseSeconds": 2}"""), _ => null));

        Assert.StartsWith("smpp.json: 2 binds for system_id 'a'", Assert.Single(tooMany.Errors), StringComparison.Ordinal);
        Assert.Equal(2, wrong.Errors.Count);
    }

    [Fact]
    public void Load_SessionLimits_AreTakenByEveryBind_AndDefaultAsTheSession()
    {
        SmppSettings limited = SmppSettings.Load(Folder("""{"binds": ["smpp://a:b@c?bind=pair"], "maxQueuedPdus": 32, "maxInboundInFlight": 4}"""), _ => null)!;
        SmppSettings plain = SmppSettings.Load(Folder("""{"binds": ["smpp://a:b@c"]}"""), _ => null)!;

        Assert.All(limited.Binds, b => Assert.Equal((32, 4), (b.MaxQueuedPdus, b.MaxInboundInFlight)));
        Assert.Equal((128, 64), (plain.Binds[0].MaxQueuedPdus, plain.Binds[0].MaxInboundInFlight));
    }

    [Fact]
    public void Load_SessionLimitsBelowOne_AreReported()
    {
        Mbushja.Domain.ConfigurationException wrong = Assert.Throws<Mbushja.Domain.ConfigurationException>(
            () => SmppSettings.Load(Folder("""{"binds": ["smpp://a:b@c"], "maxQueuedPdus": 0, "maxInboundInFlight": -1}"""), _ => null));

        Assert.Equal(["smpp.json: maxQueuedPdus must be at least 1.", "smpp.json: maxInboundInFlight must be at least 1."], wrong.Errors);
    }

    [Fact]
    public void WithSessionLimits_EveryBindTakesThem()
    {
        SmppSettings settings = SmppSettings.None with { Binds = [.. Parse("smpp://m:pw@smsc?bind=pair&window=20").Binds] };

        SmppSettings limited = settings.WithSessionLimits(maxQueuedPdus: 50, maxInboundInFlight: 5);

        Assert.All(limited.Binds, b => Assert.Equal((50, 5, 20), (b.MaxQueuedPdus, b.MaxInboundInFlight, b.WindowSize)));
        Assert.Equal(2, limited.Binds.Count);
    }

    [Fact]
    public void ToString_ShowsNoPassword()
    {
        SmppSettings settings = SmppSettings.None with { Binds = Parse("smpp://m:hush@smsc?bind=pair").Binds };

        Assert.DoesNotContain("hush", settings.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hush", (new ServerSettings { AdminKey = "admin-key-of-thirty-two-characters", Smpp = settings }).ToString(), StringComparison.Ordinal);
        Assert.Contains("smsc1-tx", settings.ToString(), StringComparison.Ordinal);
    }
}
