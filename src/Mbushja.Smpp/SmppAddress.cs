namespace Mbushja.Smpp;

/// <summary>Type of number of an SME address (SMPP v3.4 §5.2.5). Other values are carried as cast values.</summary>
public enum TypeOfNumber : byte
{
    Unknown = 0,
    International = 1,
    National = 2,
    NetworkSpecific = 3,
    SubscriberNumber = 4,
    Alphanumeric = 5,
    Abbreviated = 6,
}

/// <summary>Numbering plan indicator of an SME address (SMPP v3.4 §5.2.6). Other values are carried as cast values.</summary>
public enum NumberingPlan : byte
{
    Unknown = 0,

    /// <summary>ISDN (E.163/E.164).</summary>
    Isdn = 1,

    /// <summary>Data (X.121).</summary>
    Data = 3,

    /// <summary>Telex (F.69).</summary>
    Telex = 4,

    /// <summary>Land mobile (E.212).</summary>
    LandMobile = 6,
    National = 8,
    Private = 9,
    Ermes = 10,
    Internet = 14,
    WapClientId = 18,
}

/// <summary>
/// An SME address as the PDUs carry it: its TON, NPI and digits (source_addr_ton, source_addr_npi, source_addr and the
/// destination's three). The text is what the wire carried; nothing here validates it as a phone number (that is
/// <c>Msisdn</c>'s job, at the edge where an address becomes a subscriber).
/// </summary>
public readonly record struct SmppAddress(TypeOfNumber Ton, NumberingPlan Npi, string Address)
{
    /// <summary>The empty address (TON 0, NPI 0, NULL), as deliver_sm's optional fields are often sent.</summary>
    public static SmppAddress Empty { get; } = new(TypeOfNumber.Unknown, NumberingPlan.Unknown, string.Empty);

    /// <summary>An international E.164 number without the leading '+' (TON 1, NPI 1).</summary>
    public static SmppAddress International(string digits) => new(TypeOfNumber.International, NumberingPlan.Isdn, digits);

    /// <summary>A short code or other abbreviated number (TON 3 network specific is also common; operators differ).</summary>
    public static SmppAddress ShortCode(string digits) => new(TypeOfNumber.Unknown, NumberingPlan.Isdn, digits);

    /// <summary>An alphanumeric sender (TON 5, NPI 0).</summary>
    public static SmppAddress Alphanumeric(string text) => new(TypeOfNumber.Alphanumeric, NumberingPlan.Unknown, text);

    // The default record ToString would print the whole number into logs, which never carry a full MSISDN.
    public override string ToString() => $"{Ton}/{Npi}/{Redact(Address)}";

    private static string Redact(string? address) =>
        address is null || address.Length <= 4 ? address ?? string.Empty : string.Concat(new string('*', address.Length - 3), address.AsSpan(address.Length - 3));
}
