using System.Globalization;
using Mbushja.Domain;
using Npgsql;

namespace Mbushja.Storage;

/// <summary>
/// Reads a libpq connection URI (<c>postgres://user:password@a:5432,b:5432/mbushja?target_session_attrs=read-write</c>,
/// the form <c>pg_autoctl show uri</c> prints) into Npgsql's keyword form. Npgsql reads only the keyword form, and
/// <see cref="Uri"/> cannot hold several hosts. A URI it cannot read is refused with the reason, never half-read.
/// </summary>
internal static class PostgresUrl
{
    /// <summary>The URI's query parameters Npgsql has an equivalent for, and how each value is spelled there.</summary>
    private static readonly Dictionary<string, (string Keyword, Func<string, string?> Value)> Parameters = new(StringComparer.Ordinal)
    {
        ["target_session_attrs"] = ("Target Session Attributes", v => v is "any" or "read-write" or "read-only" or "primary" or "standby" or "prefer-standby" ? v : null),
        ["sslmode"] = ("SSL Mode", v => v switch
        {
            "disable" => "Disable",
            "allow" => "Allow",
            "prefer" => "Prefer",
            "require" => "Require",
            "verify-ca" => "VerifyCA",
            "verify-full" => "VerifyFull",
            _ => null,
        }),
        ["application_name"] = ("Application Name", v => v),
        ["connect_timeout"] = ("Timeout", v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int s) && s > 0 ? v : null),
        ["sslrootcert"] = ("Root Certificate", v => v),
        ["sslcert"] = ("SSL Certificate", v => v),
        ["sslkey"] = ("SSL Key", v => v),
        ["user"] = ("Username", v => v),
        ["password"] = ("Password", v => v),
        ["dbname"] = ("Database", v => v),
    };

    public static bool IsUrl(string value) =>
        value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The keyword form of <paramref name="url"/>; a <see cref="ConfigurationException"/> says what is wrong with it.</summary>
    public static string ToConnectionString(string url)
    {
        string rest = url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..];
        string query = "";
        if (rest.IndexOf('?', StringComparison.Ordinal) is >= 0 and int q)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }

        string database = "";
        if (rest.IndexOf('/', StringComparison.Ordinal) is >= 0 and int slash)
        {
            database = Unescape(rest[(slash + 1)..]);
            rest = rest[..slash];
        }

        var builder = new NpgsqlConnectionStringBuilder();
        if (rest.LastIndexOf('@') is >= 0 and int at)
        {
            string[] user = rest[..at].Split(':', 2);
            if (user[0].Length > 0)
            {
                builder.Username = Unescape(user[0]);
            }

            if (user.Length == 2)
            {
                builder.Password = Unescape(user[1]);
            }

            rest = rest[(at + 1)..];
        }

        builder.Host = string.Join(',', rest.Split(',').Select(Host));
        if (database.Length > 0)
        {
            builder.Database = database;
        }

        foreach (string pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] nameValue = pair.Split('=', 2);
            string name = Unescape(nameValue[0]);
            string value = nameValue.Length == 2 ? Unescape(nameValue[1]) : "";
            if (!Parameters.TryGetValue(name, out var parameter))
            {
                throw Refused($"its parameter '{name}' has no equivalent here; give the connection string in the keyword form (Host=...;Database=...) instead");
            }

            builder[parameter.Keyword] = parameter.Value(value) ?? throw Refused($"'{value}' is not a value of its parameter '{name}'");
        }

        return builder.ConnectionString;
    }

    /// <summary>One host of the list, as Npgsql writes it: <c>name:port</c>, an IPv6 address in brackets.</summary>
    private static string Host(string host)
    {
        string name = host;
        string? port = null;
        if (host.StartsWith('['))
        {
            int close = host.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || (close + 1 < host.Length && host[close + 1] != ':'))
            {
                throw Refused($"its host '{host}' is not an address in brackets ([::1]:5432)");
            }

            name = host[..(close + 1)];
            port = close + 1 < host.Length ? host[(close + 2)..] : null;
        }
        else if (host.IndexOf(':', StringComparison.Ordinal) is >= 0 and int colon)
        {
            name = host[..colon];
            port = host[(colon + 1)..];
        }

        if (name.Length == 0 || name == "[]")
        {
            throw Refused("a host is missing (postgres://host:port,host:port/database)");
        }

        if (port is not null && !(int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number is > 0 and < 65536))
        {
            throw Refused($"'{port}' is not a port");
        }

        return port is null ? Unescape(name) : $"{Unescape(name)}:{port}";
    }

    private static string Unescape(string text) => Uri.UnescapeDataString(text);

    /// <summary>Names the URI's form, never the URI itself: it may hold a password.</summary>
    private static ConfigurationException Refused(string why) =>
        new([$"--db: the PostgreSQL URL cannot be read: {why}."]);
}
