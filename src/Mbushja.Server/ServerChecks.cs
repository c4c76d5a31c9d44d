using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Server.Http;
using Mbushja.Server.Kannel;
using Mbushja.Sms;
using Mbushja.TopUp;

namespace Mbushja.Server;

/// <summary>What the server refuses to start with, every reason at once (<see cref="ConfigurationException"/>).</summary>
internal static class ServerChecks
{
    /// <summary>The settings that need nothing loaded: the admin key and the gateways.</summary>
    public static void Check(ServerSettings settings)
    {
        CheckAdminKey(settings.AdminKey);
        CheckKannel(settings.Kannel);
        CheckSmpp(settings);
        CheckHttps(settings);
        CheckWork(settings);
    }

    /// <summary>
    /// The instance id, and timings that would let another server take work from a live one: a lease renewed less often
    /// than twice within its length is lost to one slow renewal.
    /// </summary>
    private static void CheckWork(ServerSettings settings)
    {
        var errors = new List<string>();
        if (settings.InstanceId is { } id && Mbushja.Storage.ServerInstance.Check(id) is { } invalid)
        {
            errors.Add("--instance-id: " + invalid);
        }

        TopUpOptions work = settings.TopUp;
        if (work.LeaseRenewal <= TimeSpan.Zero || work.LeaseRenewal * 2 > work.Lease)
        {
            errors.Add($"The work lease ({work.Lease.TotalSeconds:0.###} s) must be at least twice its renewal interval ({work.LeaseRenewal.TotalSeconds:0.###} s).");
        }

        if (work.DuplicateWait < TimeSpan.Zero)
        {
            errors.Add("The wait of a resent message cannot be negative.");
        }

        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }
    }

    /// <summary>A certificate with no https:// address to serve it on is a mistake, not a choice.</summary>
    private static void CheckHttps(ServerSettings settings)
    {
        bool https = settings.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Any(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
        if (settings.Https.CertificatePath is not null && !https)
        {
            throw new ConfigurationException([$"An HTTPS certificate is given, but no address to serve it on: add an https:// address to --urls ({settings.Urls})."]);
        }
    }

    /// <summary>Refuses an admin key shorter than <see cref="AdminKey.MinLength"/> (it opens every API), without showing it.</summary>
    private static void CheckAdminKey(string key)
    {
        if (!AdminKey.IsLongEnough(key))
        {
            throw new ConfigurationException([
                $"The admin key has fewer than {AdminKey.MinLength} characters (blanks do not count): it opens every API, and a short one is guessed. "
                + "Give a longer one, or none for a generated one.",
            ]);
        }
    }

    /// <summary>Refuses a bank API for a bank the operator's configuration does not have, or two for one bank.</summary>
    public static void CheckBankEndpoints(IReadOnlyList<BankEndpoint> endpoints, BankDirectory banks)
    {
        var errors = new List<string>();
        foreach (BankEndpoint endpoint in endpoints)
        {
            if (!banks.Banks.Any(b => string.Equals(b.Code, endpoint.Code, StringComparison.OrdinalIgnoreCase)))
            {
                errors.Add($"Bank API for {endpoint.Code}: no such bank in the configuration ({string.Join(", ", banks.Banks.Select(b => b.Code))}).");
            }
        }

        errors.AddRange(endpoints.GroupBy(e => e.Code, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1)
            .Select(g => $"Bank API for {g.Key}: given more than once."));
        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }
    }

    /// <summary>
    /// Refuses two outbound gateways at once (a reply leaves by one), two binds under one name, and more binds of a
    /// system_id than the SMSC allows it.
    /// </summary>
    private static void CheckSmpp(ServerSettings settings)
    {
        var errors = new List<string>();
        if (settings.Smpp.Binds.Count > 0 && settings.Kannel.SendSmsUrl is not null)
        {
            errors.Add("Replies leave either by SMPP (--smsc) or by Kannel's sendsms (--kannel-sendsms), not both.");
        }

        errors.AddRange(settings.Smpp.Binds.GroupBy(b => b.Name, StringComparer.Ordinal).Where(g => g.Count() > 1)
            .Select(g => $"SMPP bind name '{g.Key}' is given more than once."));
        if (settings.Smpp.Binds.Count > 0)
        {
            errors.AddRange(settings.Smpp.BindLimitErrors());
        }

        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }
    }

    /// <summary>Refuses a Kannel set-up whose replies could never leave.</summary>
    private static void CheckKannel(KannelSettings kannel)
    {
        var errors = new List<string>();
        if (kannel.SendSmsUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add("Kannel's sendsms URL must be an absolute http:// or https:// URL.");
        }

        if (kannel.ReplyVia == ReplyRoute.Outbound && kannel.SendSmsUrl is null)
        {
            errors.Add("Replies via sendsms need Kannel's sendsms URL (--kannel-sendsms).");
        }

        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }
    }
}
