namespace Mbushja.Domain;

/// <summary>
/// Every stable code the platform answers partners, operators' systems and subscribers' gateways with: the <c>code</c>
/// of an API problem (RFC 9457), of <c>mbushja parse</c> and of the SMS endpoint's answer, and the codes of
/// registration, reversal, catalog and reconciliation refusals. Partners and tests rely on these strings: a code is
/// never changed, only added. The bank wire has codes of its own (<c>BankWire</c>, docs/bank-connector.openapi.yaml).
/// </summary>
public static class ErrorCodes
{
    // What a text or a field held: an SMS (mbushja parse) or an API request.
    public const string InvalidNumber = "INVALID_NUMBER";
    public const string NotOperatorNumber = "NOT_OPERATOR_NUMBER";
    public const string InvalidAmount = "INVALID_AMOUNT";
    public const string AmountOutOfRange = "AMOUNT_OUT_OF_RANGE";
    public const string UnknownCommand = "UNKNOWN_COMMAND";
    public const string UnknownShortCode = "UNKNOWN_SHORT_CODE";
    public const string InvalidIdentifier = "INVALID_IDENTIFIER";
    public const string InvalidLanguage = "INVALID_LANGUAGE";
    public const string InvalidKind = "INVALID_KIND";
    public const string InvalidAccountRef = "INVALID_ACCOUNT_REF";
    public const string InvalidDate = "INVALID_DATE";
    public const string InvalidTime = "INVALID_TIME";
    public const string MissingField = "MISSING_FIELD";
    public const string EmptyField = "EMPTY_FIELD";
    public const string TooLong = "TOO_LONG";
    public const string MalformedField = "MALFORMED_FIELD";

    // The request as a whole.
    public const string MalformedBody = "MALFORMED_BODY";
    public const string BodyTooLarge = "BODY_TOO_LARGE";
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";
    public const string BadRequest = "BAD_REQUEST";
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";
    public const string NotFound = "NOT_FOUND";
    public const string Unauthenticated = "UNAUTHENTICATED";
    public const string AddressNotAllowed = "ADDRESS_NOT_ALLOWED";
    public const string Internal = "INTERNAL_ERROR";

    /// <summary>No database takes writes just now (a failover): HTTP 503 with Retry-After; resend the same request.</summary>
    public const string Unavailable = "SERVICE_UNAVAILABLE";

    // SMS Top Up's answers beyond the reading of the text.
    public const string NotRegistered = "NOT_REGISTERED";
    public const string UnknownAccount = "UNKNOWN_ACCOUNT";
    public const string BankDeclined = "BANK_DECLINED";
    public const string BankUnavailable = "BANK_UNAVAILABLE";
    public const string StillProcessing = "STILL_PROCESSING";

    // Subscribers, service accounts and the catalog.
    public const string SubscriberExists = "SUBSCRIBER_EXISTS";
    public const string IdentifierTaken = "IDENTIFIER_TAKEN";
    public const string IdentifierRequired = "IDENTIFIER_REQUIRED";
    public const string IdentifierNotAllowed = "IDENTIFIER_NOT_ALLOWED";
    public const string BalanceNotAllowed = "BALANCE_NOT_ALLOWED";
    public const string UnknownPackage = "UNKNOWN_PACKAGE";
    public const string PackageKindMismatch = "PACKAGE_KIND_MISMATCH";
    public const string NoMonthlyPrice = "NO_MONTHLY_PRICE";
    public const string EffectiveDateNotFuture = "EFFECTIVE_DATE_NOT_FUTURE";
    public const string ChangeExists = "CHANGE_EXISTS";

    // Registrations at banks.
    public const string UnknownBank = "UNKNOWN_BANK";
    public const string AlreadyRegistered = "ALREADY_REGISTERED";
    public const string TooManyAuthorized = "TOO_MANY_AUTHORIZED";
    public const string TooManyAccounts = "TOO_MANY_ACCOUNTS";
    public const string DuplicateNumber = "DUPLICATE_NUMBER";
    public const string DuplicateAccount = "DUPLICATE_ACCOUNT";

    // Reversals.
    public const string NotCaptured = "NOT_CAPTURED";
    public const string AlreadyReversed = "ALREADY_REVERSED";
    public const string CreditSpent = "CREDIT_SPENT";

    // Reconciliation of a bank's statement.
    public const string MalformedStatement = "MALFORMED_STATEMENT";
    public const string StatementTooLarge = "STATEMENT_TOO_LARGE";
    public const string UnsupportedStatement = "UNSUPPORTED_STATEMENT";
    public const string WrongStatementCurrency = "WRONG_STATEMENT_CURRENCY";
    public const string WrongStatementDay = "WRONG_STATEMENT_DAY";
    public const string WrongStatementAccount = "WRONG_STATEMENT_ACCOUNT";
    public const string NoSettlementAccount = "NO_SETTLEMENT_ACCOUNT";

    // USSD callbacks.
    public const string UnknownServiceCode = "UNKNOWN_SERVICE_CODE";
    public const string SessionMismatch = "SESSION_MISMATCH";

    // The sandbox bank's administration.
    public const string InvalidSetting = "INVALID_SETTING";
}
