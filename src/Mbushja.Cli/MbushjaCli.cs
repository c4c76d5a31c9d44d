using System.CommandLine;
using System.Net;
using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Messaging;
using Mbushja.Server;
using Mbushja.Server.Http;
using Mbushja.Server.Kannel;
using Mbushja.Server.Smpp;
using Mbushja.Smpp.Session;
using Mbushja.Smpp.Text;
using Mbushja.Sms;
using Mbushja.Storage;
using Mbushja.TopUp;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace Mbushja.Cli;

/// <summary>The <c>mbushja</c> command line: <c>serve</c>, <c>parse</c>, <c>phone</c> and <c>users</c>.</summary>
public static class MbushjaCli
{
    /// <summary>Exit code for arguments that cannot be used.</summary>
    public const int BadArguments = 2;

    public const string AdminKeyVariable = "MBUSHJA_ADMIN_KEY";

    public const string GatewayTokenVariable = "MBUSHJA_GATEWAY_TOKEN";

    public const string GatewayBasicVariable = "MBUSHJA_GATEWAY_BASIC";

    /// <summary>The prefix of a bank's shared secret variable: <c>MBUSHJA_BANK_SECRET_TEB</c>.</summary>
    public const string BankSecretVariablePrefix = "MBUSHJA_BANK_SECRET_";

    public const string KannelUsernameVariable = "MBUSHJA_KANNEL_USERNAME";

    public const string KannelPasswordVariable = "MBUSHJA_KANNEL_PASSWORD";

    /// <summary>The password of <c>--https-certificate</c> (a PKCS#12 file's, or an encrypted PEM key's): never on the command line.</summary>
    public const string HttpsPasswordVariable = "MBUSHJA_HTTPS_CERTIFICATE_PASSWORD";

    public static async Task<int> RunAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null, TextReader? stdin = null)
    {
        TextWriter output = stdout ?? Console.Out;
        TextWriter errors = stderr ?? Console.Error;

        var config = new Option<DirectoryInfo?>("--config")
        {
            Description = "Operator configuration folder (operator.json, catalog.json, banks/*.json). Default: the shipped IPKO configuration.",
            Recursive = true,
        };
        config.Validators.Add(given =>
        {
            // A folder that is not there is a bad argument (exit 2), not a broken configuration (exit 1).
            if (given.GetValueOrDefault<DirectoryInfo?>() is { Exists: false } missing)
            {
                given.AddError($"The configuration folder '{missing.FullName}' does not exist.");
            }
        });

        var root = new RootCommand(
            "Mbushja: subscribers top up and pay their operator's services by USSD (*101#, from prepaid credit) "
            + "and by SMS to a bank's short code (from a bank current account).");
        root.Options.Add(config);
        root.Subcommands.Add(ServeCommand(config, output, errors));
        root.Subcommands.Add(ParseCommand(config, output, errors));
        root.Subcommands.Add(PhoneCommand(output, stdin));
        root.Subcommands.Add(UsersCommand.Create(config, output, errors, stdin));
        root.Subcommands.Add(RollupsCommand.Create(config, output, errors));

        // No response files: an argument that begins with '@' (an SMS text such as "@5") is that text, not a file to read.
        ParseResult parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Errors.Count > 0)
        {
            string command = parsed.CommandResult.Command == root ? "" : parsed.CommandResult.Command.Name + " ";
            await errors.WriteLineAsync($"mbushja: {FirstError(parsed, root)} (see 'mbushja {command}--help')");
            return BadArguments;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = errors });
    }

    /// <summary>
    /// What went wrong, said for people: at the top level, a word that is no command is named as such (the parser's own
    /// first error there is "Required command was not provided", which reads as if nothing was typed).
    /// </summary>
    private static string FirstError(ParseResult parsed, RootCommand root)
    {
        string commands = string.Join(", ", root.Subcommands.Select(c => c.Name));
        if (parsed.CommandResult.Command == root)
        {
            if (parsed.UnmatchedTokens.FirstOrDefault(t => !t.StartsWith('-')) is { } unknown)
            {
                return $"unknown command '{unknown}'; the commands are {commands}.";
            }

            if (parsed.Tokens.Count == 0)
            {
                return $"say what to do: {commands}.";
            }
        }

        return parsed.Errors[0].Message;
    }

    private static Command ParseCommand(Option<DirectoryInfo?> config, TextWriter output, TextWriter errors)
    {
        var to = new Option<string>("--to") { Description = "The short code the SMS was sent to (it selects the bank).", Required = true };
        var from = new Option<string>("--from") { Description = "The sender's mobile number, in any accepted form.", Required = true };
        var text = new Option<string>("--text") { Description = "The SMS text, exactly as sent.", Required = true };
        var command = new Command("parse", "Show how an SMS to a bank's short code is understood, as one JSON object. Changes nothing.")
        {
            to, from, text,
        };
        command.SetAction(async parse =>
        {
            string directory = parse.GetValue(config)?.FullName ?? OperatorConfig.DefaultDirectory;
            SmsInterpreter interpreter;
            try
            {
                // Loading checks every bank's grammar: an ambiguous one is refused here, with a text that shows it.
                interpreter = new SmsInterpreter(BankDirectory.Load(directory), OperatorConfig.Load(directory).Numbering);
            }
            catch (ConfigurationException e)
            {
                await errors.WriteLineAsync(e.Message);
                return 1;
            }

            SmsInterpretation result = interpreter.Interpret(parse.GetValue(to), parse.GetValue(from), parse.GetValue(text));
            await output.WriteLineAsync(result.ToJson());
            return 0;
        });
        return command;
    }

    private static Command PhoneCommand(TextWriter output, TextReader? stdin)
    {
        var from = new Option<string>("--from") { Description = "The phone's own number (049xxxxxx), as the network would give it.", Required = true };
        var server = new Option<string>("--server")
        {
            Description = "The running server to talk to.",
            DefaultValueFactory = _ => "http://127.0.0.1:8080",
        };
        server.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && !IsHttpUrl(result.Tokens[0].Value))
            {
                result.AddError($"--server '{result.Tokens[0].Value}' is not an http:// or https:// URL.");
            }
        });
        var command = new Command(
            "phone",
            "A phone for trying a running server: dial *101# and walk the menu, or send an SMS to a bank's short code and see the reply. "
            + $"One input per line (also from a pipe). Sends {GatewayTokenVariable} or {AdminKeyVariable} as a bearer token when set.")
        {
            from, server,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var http = new HttpClient { BaseAddress = new Uri(parse.GetValue(server)!), Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.Authorization = PhoneEmulator.Credentials();
            // A person at a terminal sees what they type; a script's lines are echoed so the transcript reads the same.
            bool echo = stdin is not null || Console.IsInputRedirected;
            await new PhoneEmulator(http, parse.GetValue(from)!.Trim(), stdin ?? Console.In, output, echo).RunAsync(ct);
            return 0;
        });
        return command;
    }

    private static Command ServeCommand(Option<DirectoryInfo?> config, TextWriter output, TextWriter errors)
    {
        var urls = new Option<string>("--urls")
        {
            Description = "Where to listen (loopback by default); several separated by ';'. An https:// address needs --https-certificate "
                + "(or Kestrel's certificate configuration).",
            DefaultValueFactory = _ => "http://127.0.0.1:8080",
        };
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "Data folder: the SQLite database and the generated admin key, readable by its owner only (one that others "
                + "can write is refused).",
            DefaultValueFactory = _ => new DirectoryInfo(".data"),
        };
        var db = new Option<string?>("--db")
        {
            Description = "PostgreSQL connection string (Host=...;Username=...;Database=...) or postgres:// URL. Default: SQLite in the data folder.",
        };
        var demo = new Option<bool>("--demo") { Description = "Load the demo data set (see the README) so every flow can be tried at once." };
        var gatewayAllow = new Option<string[]>("--gateway-allow")
        {
            Description = "A network that may deliver SMS to the gateway endpoints, as CIDR (10.20.0.0/16) or one address; repeat for "
                + $"several. Default: loopback only. Credentials gateways must send: {GatewayTokenVariable} (bearer) or {GatewayBasicVariable} (user:password).",
            Arity = ArgumentArity.OneOrMore,
        };
        gatewayAllow.Validators.Add(result => NetworksOnly(result, "--gateway-allow", "10.20.0.0/16"));
        var httpsCertificate = new Option<FileInfo?>("--https-certificate")
        {
            HelpName = "file",
            Description = "Serve HTTPS (give an https:// address in --urls) with this certificate: a PKCS#12 file (.pfx, .p12) or a PEM "
                + $"file with the certificate chain, and its key unless --https-certificate-key names another file. Its password, if any, "
                + $"comes from {HttpsPasswordVariable}. HTTPS answers carry HSTS; console cookies are Secure.",
        };
        var httpsKey = new Option<FileInfo?>("--https-certificate-key")
        {
            HelpName = "file",
            Description = "The PEM private key of a PEM --https-certificate, when it is in a file of its own.",
        };
        var trustedProxy = new Option<string[]>("--trusted-proxy")
        {
            HelpName = "address|CIDR",
            Description = "A TLS proxy or load balancer in front of the server, as one address or CIDR (10.0.1.0/24); repeat for several. "
                + "Its X-Forwarded-For gives the client's address (for the gateway allow-list and sign-in throttling) and its "
                + "X-Forwarded-Proto: https makes console cookies Secure and adds HSTS. Others' X-Forwarded-* are ignored, even with "
                + $"ASPNETCORE_FORWARDEDHEADERS_ENABLED. The environment may add more: Mbushja__TrustedProxies=10.0.0.5,10.0.1.0/24.",
            Arity = ArgumentArity.OneOrMore,
        };
        trustedProxy.Validators.Add(result => NetworksOnly(result, "--trusted-proxy", "10.0.1.0/24"));
        var bankApi = new Option<string[]>("--bank-api")
        {
            Description = "A bank's real connector API as CODE=URL (TEB=https://api.teb.example/mbushja/v1/); repeat for several. Its shared "
                + $"secret comes from {BankSecretVariablePrefix}CODE. Banks without one are served by the sandbox bank.",
            Arity = ArgumentArity.OneOrMore,
        };
        bankApi.Validators.Add(result =>
        {
            foreach (System.CommandLine.Parsing.Token token in result.Tokens)
            {
                if (ParseBankApi(token.Value) is { Error: { } error })
                {
                    result.AddError(error);
                    return;
                }
            }
        });
        var kannelSendSms = new Option<string?>("--kannel-sendsms")
        {
            Description = $"Kannel's sendsms URL (http://kannel:13013/cgi-bin/sendsms): replies the platform sends itself go there. "
                + $"The sendsms-user comes from {KannelUsernameVariable} and {KannelPasswordVariable}.",
        };
        kannelSendSms.Validators.Add(result =>
        {
            string? value = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
            if (value is not null && !IsHttpUrl(value))
            {
                result.AddError($"--kannel-sendsms '{value}' is not an http:// or https:// URL.");
            }
        });
        var kannelReplyVia = new Option<string>("--kannel-reply-via")
        {
            Description = "How /kannel/sms-service replies: 'response' (the reply is the response body) or 'sendsms' (an empty body; "
                + "the reply goes out through --kannel-sendsms).",
            DefaultValueFactory = _ => "response",
        };
        kannelReplyVia.Validators.Add(result =>
        {
            // Not AcceptOnlyFromAmong: its message spans several lines, and a bad argument gets one.
            if (result.Tokens.Count > 0 && result.Tokens[0].Value is not ("response" or "sendsms"))
            {
                result.AddError($"--kannel-reply-via '{result.Tokens[0].Value}' is not 'response' or 'sendsms'.");
            }
        });
        var outboundAttempts = new Option<int>("--outbound-max-attempts")
        {
            Description = "Attempts to send a reply before it is given up as failed.",
            DefaultValueFactory = _ => OutboxOptions.Default.MaxAttempts,
        };
        outboundAttempts.Validators.Add(result =>
        {
            // Read from the token: a value that is no number is the parser's to report, and GetValueOrDefault would throw on it.
            if (result.Tokens.Count > 0 && int.TryParse(result.Tokens[0].Value, System.Globalization.CultureInfo.InvariantCulture, out int attempts) && attempts < 1)
            {
                result.AddError("--outbound-max-attempts must be at least 1.");
            }
        });
        var smscPasswordFile = new Option<string?>("--smsc-password-file")
        {
            Description = $"A file only its owner may read whose first line is the SMSC password, in place of {SmppSettings.PasswordVariable} "
                + $"({SmppSettings.PasswordVariable}_<SYSTEMID> still comes first).",
        };
        smscPasswordFile.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && SecretFile.ReadOwnerOnly(result.Tokens[0].Value, "--smsc-password-file").Error is { } error)
            {
                result.AddError(error);
            }
        });
        var smsc = new Option<string[]>("--smsc")
        {
            Description = "Bind to the operator's SMSC over SMPP 3.4: smpp://systemId@host:port, optionally ?bind=trx|pair|tx|rx"
                + "&window=10&system_type=X&name=smsc1; repeat for several binds. The password comes from "
                + $"{SmppSettings.PasswordVariable}_<SYSTEMID>, {SmppSettings.PasswordVariable} or --smsc-password-file (one written in the URL "
                + "works, but every user of the machine can read a command line: the server warns). Replies then leave by submit_sm. "
                + $"Without --smsc, the configuration folder's {SmppSettings.FileName} may name the binds.",
            Arity = ArgumentArity.OneOrMore,
        };
        smsc.Validators.Add(result =>
        {
            Func<string, string?> environment = Environment.GetEnvironmentVariable;
            if (result.GetResult(smscPasswordFile) is { Tokens.Count: > 0 } file)
            {
                // An unusable file is the file option's error to report.
                if (SecretFile.ReadOwnerOnly(file.Tokens[0].Value, "--smsc-password-file").Value is not { } password)
                {
                    return;
                }

                environment = SmppSettings.WithPasswordFile(environment, password);
            }

            for (int i = 0; i < result.Tokens.Count; i++)
            {
                if (SmppSettings.ParseBind(result.Tokens[i].Value, i, environment).Error is { } error)
                {
                    result.AddError(error);
                    return;
                }
            }
        });
        var smppLong = new Option<string>("--smpp-long-messages")
        {
            Description = "How long replies leave: udh8 (default), udh16 (concatenation headers), sar (SAR TLVs) or payload (one message_payload; the SMSC splits).",
            DefaultValueFactory = _ => "udh8",
        };
        smppLong.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && SmppSettings.LongMessagesMode(result.Tokens[0].Value) is null)
            {
                result.AddError($"--smpp-long-messages '{result.Tokens[0].Value}' is not udh8, udh16, sar or payload.");
            }
        });
        var smppPacked = new Option<bool>("--smpp-gsm7-packed") { Description = "The SMSC takes and gives GSM 03.38 packed, 8 septets in 7 octets (most take them unpacked)." };
        var smppTransliterate = new Option<bool>("--smpp-transliterate")
        {
            Description = "Send replies that GSM 03.38 cannot carry (Albanian ë, Serbian č) transliterated as GSM-7 instead of as UCS-2.",
        };
        var smppWindow = new Option<int>("--smpp-redelivery-window")
        {
            Description = "Seconds during which the same message delivered again by the SMSC is a repeat, not a new top-up.",
            DefaultValueFactory = _ => (int)SmppSettings.None.RedeliveryWindow.TotalSeconds,
        };
        smppWindow.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && int.TryParse(result.Tokens[0].Value, System.Globalization.CultureInfo.InvariantCulture, out int window) && window < 1)
            {
                result.AddError("--smpp-redelivery-window must be at least 1 second.");
            }
        });
        var smppMaxBinds = new Option<int?>("--smpp-max-binds-per-system-id")
        {
            Description = "Binds the SMSC allows one system_id, for all servers on this database together: they share the binds by lease, "
                + "and a server that stops or dies leaves its binds to the others. Default: one per configured bind (each --smsc bind is "
                + "held by one server at a time). 0: no limit and no leases: every server binds every --smsc.",
        };
        smppMaxBinds.Validators.Add(result =>
        {
            // Read from the token: a value that is no number is the parser's to report, and GetValueOrDefault would throw on it.
            if (result.Tokens.Count > 0 && int.TryParse(result.Tokens[0].Value, System.Globalization.CultureInfo.InvariantCulture, out int max) && max < 0)
            {
                result.AddError("--smpp-max-binds-per-system-id must be 0 (no limit) or more.");
            }
        });
        var smppBindLease = new Option<int>("--smpp-bind-lease")
        {
            Description = "Seconds a server holds a bind without renewing its lease (renewed at a third; a server that cannot renew unbinds at two thirds).",
            DefaultValueFactory = _ => (int)SmppSettings.None.BindLease.TotalSeconds,
        };
        smppBindLease.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && int.TryParse(result.Tokens[0].Value, System.Globalization.CultureInfo.InvariantCulture, out int seconds)
                && seconds < SmppSettings.MinBindLease.TotalSeconds)
            {
                result.AddError($"--smpp-bind-lease must be at least {SmppSettings.MinBindLease.TotalSeconds:0} seconds.");
            }
        });
        var smppMaxQueued = new Option<int>("--smpp-max-queued-pdus")
        {
            Description = "PDUs waiting to be written to the SMSC per bind, at most; beyond it sending waits and reading pauses, "
                + "so an SMSC that stops reading costs this much memory, not more.",
            DefaultValueFactory = _ => SmppSessionOptions.Default.MaxQueuedPdus,
        };
        smppMaxQueued.Validators.Add(result => AtLeastOne(result, "--smpp-max-queued-pdus"));
        var smppMaxInbound = new Option<int>("--smpp-max-inbound-in-flight")
        {
            Description = "Received messages handled at once per bind, at most; beyond it nothing more is read until one is answered "
                + "(keep it at or above the SMSC's window).",
            DefaultValueFactory = _ => SmppSessionOptions.Default.MaxInboundInFlight,
        };
        smppMaxInbound.Validators.Add(result => AtLeastOne(result, "--smpp-max-inbound-in-flight"));
        var instanceId = new Option<string?>("--instance-id")
        {
            HelpName = "id",
            Description = "This server's name among the servers on one database, written on the leases of the work it takes: a restart "
                + "with the same id takes its unfinished work back at once. Letters, digits and . - _ :, at most "
                + $"{ServerInstance.MaxIdLength}. Default: the host name and a digest of the data folder's path (the same at every restart). "
                + "Two servers must not share one: a start with the id of a running server is refused.",
        };
        instanceId.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && ServerInstance.Check(result.Tokens[0].Value) is { } error)
            {
                result.AddError("--instance-id: " + error);
            }
        });
        var workLease = new Option<int>("--work-lease")
        {
            HelpName = "seconds",
            Description = "Seconds a server holds an unfinished message or refund without renewing its lease; renewed while the work runs, "
                + "so another server takes a dead server's work over this long after its last renewal.",
            DefaultValueFactory = _ => (int)TopUpOptions.Default.Lease.TotalSeconds,
        };
        workLease.Validators.Add(result => AtLeast(result, "--work-lease", 2));
        var workLeaseRenewal = new Option<int>("--work-lease-renewal")
        {
            HelpName = "seconds",
            Description = "Seconds between renewals of the leases of the work under way (one statement for all of them); at most half of --work-lease.",
            DefaultValueFactory = _ => (int)TopUpOptions.Default.LeaseRenewal.TotalSeconds,
        };
        workLeaseRenewal.Validators.Add(result => AtLeast(result, "--work-lease-renewal", 1));
        var resendWait = new Option<int>("--resend-wait")
        {
            HelpName = "seconds",
            Description = "Seconds a resent message that is still being finished waits for its answer before 503 STILL_PROCESSING "
                + "with Retry-After (0 to 60).",
            DefaultValueFactory = _ => (int)TopUpOptions.Default.DuplicateWait.TotalSeconds,
        };
        resendWait.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && int.TryParse(result.Tokens[0].Value, System.Globalization.CultureInfo.InvariantCulture, out int seconds) && seconds is < 0 or > 60)
            {
                result.AddError("--resend-wait must be 0 to 60 seconds.");
            }
        });
        var command = new Command("serve", "Run the platform: HTTP APIs, USSD and SMS endpoints, the sandbox bank, SMPP binds.")
        {
            urls, httpsCertificate, httpsKey, trustedProxy, data, db, demo, instanceId, workLease, workLeaseRenewal, resendWait, gatewayAllow, bankApi, kannelSendSms,
            kannelReplyVia, outboundAttempts, smsc, smscPasswordFile, smppLong, smppPacked, smppTransliterate, smppWindow, smppMaxBinds, smppBindLease, smppMaxQueued,
            smppMaxInbound,
        };
        command.Validators.Add(result =>
        {
            // Counted from the tokens: an --smsc without its value is already an error, and its value cannot be read.
            int smscUrls = result.GetResult(smsc)?.Tokens.Count ?? 0;
            if (result.GetValue(kannelReplyVia) == "sendsms" && result.GetValue(kannelSendSms) is null && smscUrls == 0)
            {
                result.AddError("--kannel-reply-via sendsms needs --kannel-sendsms URL (or --smsc): otherwise no reply would ever leave.");
            }

            if (smscUrls > 0 && result.GetValue(kannelSendSms) is not null)
            {
                result.AddError("Replies leave either by SMPP (--smsc) or by Kannel's sendsms (--kannel-sendsms), not both.");
            }

            // Read from the tokens: a value that is no number is the option's error to report.
            int Seconds(Option<int> option) =>
                result.GetResult(option) is { Tokens: [{ } token] } && int.TryParse(token.Value, System.Globalization.CultureInfo.InvariantCulture, out int value)
                    ? value
                    : (int)(option == workLease ? TopUpOptions.Default.Lease : TopUpOptions.Default.LeaseRenewal).TotalSeconds;
            // A value below its own least is that option's error alone.
            if (Seconds(workLease) >= 2 && Seconds(workLeaseRenewal) >= 1 && Seconds(workLeaseRenewal) * 2 > Seconds(workLease))
            {
                result.AddError($"--work-lease-renewal ({Seconds(workLeaseRenewal)} s) must be at most half of --work-lease ({Seconds(workLease)} s): "
                    + "one late renewal must not lose a live worker's lease.");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            if (GatewayCredentials() is not { } access)
            {
                await errors.WriteLineAsync($"mbushja: {GatewayBasicVariable} must be user:password.");
                return BadArguments;
            }

            string[] networks = parse.GetValue(gatewayAllow) ?? [];
            if (networks.Length > 0)
            {
                access = access with { AllowedNetworks = [.. networks.Select(n => GatewayAccess.TryParseNetwork(n, out IPNetwork network) ? network : default)] };
            }

            List<BankEndpoint> bankEndpoints = [.. (parse.GetValue(bankApi) ?? []).Select(b => ParseBankApi(b).Endpoint!)];

            string? sendSms = parse.GetValue(kannelSendSms);
            var kannel = new KannelSettings
            {
                SendSmsUrl = sendSms is null ? null : new Uri(sendSms),
                Username = Environment.GetEnvironmentVariable(KannelUsernameVariable) is { Length: > 0 } user ? user : null,
                Password = Environment.GetEnvironmentVariable(KannelPasswordVariable) is { Length: > 0 } password ? password : null,
                ReplyVia = parse.GetValue(kannelReplyVia) == "sendsms" ? ReplyRoute.Outbound : ReplyRoute.Response,
            };

            string[] smscUrls = parse.GetValue(smsc) ?? [];
            // Checked by the option's validator: a file given is readable here.
            Func<string, string?> environment = SmppSettings.WithPasswordFile(
                Environment.GetEnvironmentVariable,
                parse.GetValue(smscPasswordFile) is { } passwordFile ? SecretFile.ReadOwnerOnly(passwordFile, "--smsc-password-file").Value : null);
            var smscBinds = smscUrls.Select((url, i) => SmppSettings.ParseBind(url, i, environment).Binds).ToList();
            SmppSettings smpp = new SmppSettings
            {
                Binds = [.. smscBinds.SelectMany(b => b)],
                PasswordsInUrls = [.. smscUrls.Index().Where(u => SmppSettings.HasPasswordInUrl(u.Item)).SelectMany(u => smscBinds[u.Index].Select(b => b.Name))],
                Text = SmppTextOptions.Default with
                {
                    LongMessages = SmppSettings.LongMessagesMode(parse.GetValue(smppLong)!)!.Value,
                    Gsm7Packed = parse.GetValue(smppPacked),
                    Transliterate = parse.GetValue(smppTransliterate),
                },
                RedeliveryWindow = TimeSpan.FromSeconds(parse.GetValue(smppWindow)),
                MaxBindsPerSystemId = parse.GetValue(smppMaxBinds),
                BindLease = TimeSpan.FromSeconds(parse.GetValue(smppBindLease)),
            }.WithSessionLimits(parse.GetValue(smppMaxQueued), parse.GetValue(smppMaxInbound));
            if (smscUrls.Length == 0)
            {
                // Without --smsc, the operator's configuration folder may name the binds (smpp.json).
                try
                {
                    smpp = SmppSettings.Load(parse.GetValue(config)?.FullName ?? OperatorConfig.DefaultDirectory, environment) ?? smpp;
                }
                catch (ConfigurationException e)
                {
                    await errors.WriteLineAsync(e.Message);
                    return 1;
                }
            }

            // The admin key from the environment first, so that a short one stops the start before anything is written.
            string? givenKey = Environment.GetEnvironmentVariable(AdminKeyVariable);
            if (givenKey is not null && !AdminKey.IsLongEnough(givenKey))
            {
                await errors.WriteLineAsync(
                    $"mbushja: {AdminKeyVariable} must have at least {AdminKey.MinLength} characters (blanks do not count): it opens every API, "
                    + "and a short one is guessed. Give a longer one, or unset it for a generated one.");
                return 1;
            }

            DirectoryInfo folder = parse.GetValue(data)!;
            string adminKey;
            try
            {
                DataFolder.Open(folder.FullName);
                adminKey = AdminKeyFor(folder, givenKey, output);
            }
            catch (ConfigurationException e)
            {
                await errors.WriteLineAsync(e.Message);
                return 1;
            }

            string? consolePassword = parse.GetValue(demo) ? DemoConsolePasswordFor(folder, output) : null;
            var settings = new ServerSettings
            {
                Urls = parse.GetValue(urls)!,
                Https = new HttpsSettings
                {
                    CertificatePath = parse.GetValue(httpsCertificate)?.FullName,
                    KeyPath = parse.GetValue(httpsKey)?.FullName,
                    Password = Environment.GetEnvironmentVariable(HttpsPasswordVariable) is { Length: > 0 } httpsPassword ? httpsPassword : null,
                },
                TrustedProxies = [.. (parse.GetValue(trustedProxy) ?? []).Select(n => GatewayAccess.TryParseNetwork(n, out IPNetwork network) ? network : default)],
                DataDirectory = folder.FullName,
                Db = parse.GetValue(db),
                ConfigDirectory = parse.GetValue(config)?.FullName,
                AdminKey = adminKey,
                Demo = parse.GetValue(demo),
                ConsoleDemoPassword = consolePassword,
                Gateway = access,
                BankEndpoints = bankEndpoints,
                Kannel = kannel,
                Smpp = smpp,
                Outbox = OutboxOptions.Default with { MaxAttempts = parse.GetValue(outboundAttempts) },
                InstanceId = parse.GetValue(instanceId),
                TopUp = TopUpOptions.Default with
                {
                    Lease = TimeSpan.FromSeconds(parse.GetValue(workLease)),
                    LeaseRenewal = TimeSpan.FromSeconds(parse.GetValue(workLeaseRenewal)),
                    DuplicateWait = TimeSpan.FromSeconds(parse.GetValue(resendWait)),
                },
            };
            WebApplication app;
            try
            {
                app = await MbushjaServer.BuildAsync(settings, ct);
            }
            catch (ConfigurationException e)
            {
                await errors.WriteLineAsync(e.Message);
                return 1;
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                // A database that cannot be reached or migrated: one clear line, not a stack trace.
                await errors.WriteLineAsync($"mbushja: cannot start: {e.Message}");
                return 1;
            }

            await using (app)
            {
                string store = settings.Db is null ? $"SQLite {Path.Combine(folder.FullName, DataFolder.DatabaseFile)}" : "the given database";
                string outbound = smpp.Binds.Count > 0
                    ? $"SMPP {string.Join(", ", smpp.Binds.Select(b => b.Describe()))}"
                    : kannel.SafeUrl is { } url ? $"replies via Kannel {url}" : "no outbound SMS";
                string bankApis = bankEndpoints.Count == 0 ? "sandbox bank" : $"bank APIs: {string.Join(", ", bankEndpoints)}; sandbox for the others";
                await output.WriteLineAsync(
                    $"Mbushja on {settings.Urls} — {store}; {bankApis}; {outbound}{(settings.Demo ? "; demo data loaded" : "")}. Ctrl+C stops.");
                try
                {
                    await app.StartAsync(ct);
                }
                catch (Exception e) when (e is InvalidOperationException or IOException)
                {
                    // An address taken, or an https:// address without a certificate: one clear line, not a stack trace.
                    string hint = e.Message.Contains("certificate", StringComparison.OrdinalIgnoreCase) && settings.Https.CertificatePath is null
                        ? " Give it with --https-certificate (README \"HTTPS\")." : "";
                    await errors.WriteLineAsync($"mbushja: cannot start: {e.Message.Split('\n')[0].Trim()}{hint}");
                    return 1;
                }

                await app.WaitForShutdownAsync(ct);
            }

            return 0;
        });
        return command;
    }

    /// <summary>
    /// A <c>--bank-api CODE=URL</c> value with its secret from <see cref="BankSecretVariablePrefix"/>CODE, or why it is
    /// not usable.
    /// </summary>
    private static (BankEndpoint? Endpoint, string? Error) ParseBankApi(string value)
    {
        int equals = value.IndexOf('=', StringComparison.Ordinal);
        if (equals < 1 || !Uri.TryCreate(value[(equals + 1)..], UriKind.Absolute, out Uri? url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            return (null, $"--bank-api '{value}' must be CODE=URL with an absolute http:// or https:// URL.");
        }

        string code = value[..equals].Trim().ToUpperInvariant();
        string variable = BankSecretVariablePrefix + code;
        string? secret = Environment.GetEnvironmentVariable(variable);
        if (secret is not { Length: >= BankEndpoint.MinSecretLength })
        {
            return (null, $"--bank-api {code} needs its shared secret in {variable} (at least {BankEndpoint.MinSecretLength} characters).");
        }

        return (new BankEndpoint(code, url, secret), null);
    }

    /// <summary>
    /// The gateway credentials from the environment: a bearer token and/or Basic <c>user:password</c>. Null when the
    /// Basic value has no colon (or an empty user name).
    /// </summary>
    private static GatewayAccess? GatewayCredentials()
    {
        string? token = Environment.GetEnvironmentVariable(GatewayTokenVariable) is { Length: > 0 } t ? t.Trim() : null;
        string? basic = Environment.GetEnvironmentVariable(GatewayBasicVariable) is { Length: > 0 } b ? b : null;
        if (basic is not null && basic.IndexOf(':', StringComparison.Ordinal) < 1)
        {
            return null;
        }

        return GatewayAccess.LoopbackOnly with { BearerToken = token, BasicCredentials = basic };
    }

    /// <summary>A count option below 1 is refused; read from the token, as a value that is no number is the parser's to report.</summary>
    private static void AtLeastOne(System.CommandLine.Parsing.OptionResult result, string name) => AtLeast(result, name, 1);

    private static void AtLeast(System.CommandLine.Parsing.OptionResult result, string name, int least)
    {
        if (result.Tokens.Count > 0 && int.TryParse(result.Tokens[0].Value, System.Globalization.CultureInfo.InvariantCulture, out int value) && value < least)
        {
            result.AddError($"{name} must be at least {least}.");
        }
    }

    /// <summary>A network option's values are CIDR networks or addresses; the first that is not one is refused, with an example.</summary>
    private static void NetworksOnly(System.CommandLine.Parsing.OptionResult result, string name, string example)
    {
        foreach (System.CommandLine.Parsing.Token token in result.Tokens)
        {
            if (!GatewayAccess.TryParseNetwork(token.Value, out _))
            {
                result.AddError($"{name} '{token.Value}' is not a network: write CIDR ({example}, no host bits) or an address.");
                return;
            }
        }
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0;

    /// <summary>The demo console users' one password: the one stored in the data folder, or a new one stored and printed this once.</summary>
    private static string DemoConsolePasswordFor(DirectoryInfo folder, TextWriter output)
    {
        string path = Path.Combine(folder.FullName, DemoData.ConsolePasswordFile);
        (string password, bool created) = SecretFile.ReadOrCreate(path);
        if (created)
        {
            output.WriteLine(
                $"Console password of the demo users {string.Join(", ", DemoData.ConsoleUsers.Select(u => u.Username))} (stored in {path}; shown only now): {password}");
        }

        return password;
    }

    /// <summary>
    /// The admin key: the one given in <c>MBUSHJA_ADMIN_KEY</c>, or the one stored in the data folder, or a new one that
    /// is stored (readable by the owner only) and printed this once. A stored one shorter than
    /// <see cref="AdminKey.MinLength"/> stops the start (<see cref="ConfigurationException"/>).
    /// </summary>
    private static string AdminKeyFor(DirectoryInfo folder, string? given, TextWriter output)
    {
        if (given is not null)
        {
            return given.Trim();
        }

        string path = Path.Combine(folder.FullName, DataFolder.AdminKeyFile);
        (string key, bool created) = SecretFile.ReadOrCreate(path);
        if (!AdminKey.IsLongEnough(key))
        {
            throw new ConfigurationException([
                $"{path} holds an admin key of fewer than {AdminKey.MinLength} characters: it opens every API, and a short one is guessed. "
                + "Put a longer one there, or remove the file for a generated one.",
            ]);
        }

        if (created)
        {
            output.WriteLine($"Admin key (stored in {path}; shown only now): {key}");
        }

        return key;
    }
}
