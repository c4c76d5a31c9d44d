namespace Mbushja.Ledger;

/// <summary>An account as a batch sees it: the balances it was loaded with, and where the batch has taken them.</summary>
internal sealed class AccountRow(string id, string kind, bool noNegative, long balance, long pendingDebits, long pendingCredits, bool isNew)
{
    public string Id { get; } = id;

    public string Kind { get; } = kind;

    public bool NoNegative { get; } = noNegative;

    public bool IsNew { get; } = isNew;

    /// <summary>
    /// May go negative, so no command decides anything by its balance (a bank, clearing, revenue, fees): on PostgreSQL
    /// it is not locked at the load but at the write, and gets the batch's deltas (docs/design/hot-accounts.md).
    /// </summary>
    public bool Hot => !NoNegative;

    public long Balance { get; set; } = balance;

    public long PendingDebits { get; set; } = pendingDebits;

    public long PendingCredits { get; set; } = pendingCredits;

    public long LoadedBalance { get; } = balance;

    public long LoadedPendingDebits { get; } = pendingDebits;

    public long LoadedPendingCredits { get; } = pendingCredits;

    public bool Overdrawn => NoNegative && Balance - PendingDebits < 0;

    public bool Changed => Balance != LoadedBalance || PendingDebits != LoadedPendingDebits || PendingCredits != LoadedPendingCredits;
}

/// <summary>
/// The ledger as one batch of commands sees it, evaluated in order in memory while the database holds the rows
/// locked; what the batch then writes is the difference. The database's CHECK constraints stay the last word:
/// an evaluation mistake fails the transaction, it never commits an overdraft.
/// </summary>
/// <remarks>
/// A pending transfer is never changed. Whether it is posted or voided is known from the transfer that did it (found by
/// its <c>pending_id</c>, whose unique index lets only one exist): <paramref name="resolved"/> holds those the load found.
/// </remarks>
internal sealed class BatchState(
    Dictionary<string, AccountRow> accounts, Dictionary<string, Transfer> transfers, Dictionary<string, TransferState> resolved, DateTimeOffset now)
{
    private readonly Dictionary<string, (long Balance, long PendingDebits, long PendingCredits)> _undoAccounts = [];
    private readonly List<string> _undoNewAccounts = [];
    private readonly List<string> _undoResolved = [];
    private int _undoTransferCount;

    public Dictionary<string, AccountRow> Accounts { get; } = accounts;

    /// <summary>Transfers loaded from the database and those made by this batch, by id.</summary>
    public Dictionary<string, Transfer> Transfers { get; } = transfers;

    public List<Transfer> NewTransfers { get; } = [];

    public List<AccountRow> NewAccounts { get; } = [];

    /// <summary>Pending transfers posted or voided, before or by this batch, with how.</summary>
    public Dictionary<string, TransferState> Resolved { get; } = resolved;

    /// <summary>
    /// Evaluates one command against the batch's state. On success its changes stay (until <see cref="Undo"/>);
    /// on refusal nothing of it remains.
    /// </summary>
    public LedgerOutcome Apply(LedgerCommand command)
    {
        LedgerOutcome? replay = CheckReplay(command);
        if (replay is not null)
        {
            return replay;
        }

        Begin();
        LedgerOutcome outcome = ApplyNew(command);
        if (outcome.Status == LedgerStatus.Rejected)
        {
            Undo();
        }

        return outcome;
    }

    /// <summary>Takes back the last command applied (its effect refused it).</summary>
    public void Undo()
    {
        foreach ((string id, (long balance, long pendingDebits, long pendingCredits)) in _undoAccounts)
        {
            if (Accounts.TryGetValue(id, out AccountRow? row))
            {
                row.Balance = balance;
                row.PendingDebits = pendingDebits;
                row.PendingCredits = pendingCredits;
            }
        }

        foreach (string id in _undoNewAccounts)
        {
            Accounts.Remove(id);
            NewAccounts.RemoveAll(a => a.Id == id);
        }

        for (int i = NewTransfers.Count - 1; i >= _undoTransferCount; i--)
        {
            Transfers.Remove(NewTransfers[i].Id);
            NewTransfers.RemoveAt(i);
        }

        foreach (string id in _undoResolved)
        {
            Resolved.Remove(id);
        }

        Begin();
    }

    private void Begin()
    {
        _undoAccounts.Clear();
        _undoNewAccounts.Clear();
        _undoResolved.Clear();
        _undoTransferCount = NewTransfers.Count;
    }

    /// <summary>Replayed when every transfer is already there with the same content; a partial match is a conflict.</summary>
    private LedgerOutcome? CheckReplay(LedgerCommand command)
    {
        int found = 0;
        var existing = new List<Transfer>(command.Transfers.Count);
        for (int i = 0; i < command.Transfers.Count; i++)
        {
            TransferRequest request = command.Transfers[i];
            if (!Transfers.TryGetValue(request.Id, out Transfer? recorded))
            {
                continue;
            }

            found++;
            if (!SameContent(request, recorded))
            {
                return LedgerOutcome.Reject(
                    LedgerErrorCodes.IdConflict, $"Transfer {request.Id} already exists with other content.", i);
            }

            existing.Add(recorded with { State = StateOf(recorded) });
        }

        if (found == 0)
        {
            return null;
        }

        return found == command.Transfers.Count
            ? new LedgerOutcome(LedgerStatus.Replayed, existing, null)
            : LedgerOutcome.Reject(
                LedgerErrorCodes.IdConflict, $"{found} of the command's {command.Transfers.Count} transfer ids already exist.");
    }

    private static bool SameContent(TransferRequest request, Transfer recorded) =>
        request.Kind == recorded.Kind
        && request.Code == recorded.Code
        && (request.Kind is TransferKind.Post or TransferKind.Void
            ? request.PendingId == recorded.PendingId
            : request.Debit.Value == recorded.Debit && request.Credit.Value == recorded.Credit && request.Amount == recorded.Amount);

    private TransferState StateOf(Transfer transfer) =>
        transfer.Kind != TransferKind.Pending ? transfer.State
        : Resolved.TryGetValue(transfer.Id, out TransferState state) ? state : TransferState.Pending;

    private LedgerOutcome ApplyNew(LedgerCommand command)
    {
        foreach (LedgerAccountSpec spec in command.Accounts)
        {
            if (Accounts.TryGetValue(spec.Id.Value, out AccountRow? row))
            {
                if (row.Kind != spec.Kind || row.NoNegative != spec.NoNegative)
                {
                    return LedgerOutcome.Reject(LedgerErrorCodes.AccountConflict, $"Account {spec.Id} already exists with other settings.");
                }

                continue;
            }

            row = new AccountRow(spec.Id.Value, spec.Kind, spec.NoNegative, 0, 0, 0, isNew: true);
            Accounts.Add(row.Id, row);
            NewAccounts.Add(row);
            _undoNewAccounts.Add(row.Id);
        }

        string? linkedId = command.Transfers.Count > 1 ? command.Transfers[0].Id : null;
        var made = new List<Transfer>(command.Transfers.Count);
        for (int i = 0; i < command.Transfers.Count; i++)
        {
            TransferRequest request = command.Transfers[i];
            LedgerError? error = request.Kind is TransferKind.Post or TransferKind.Void
                ? Resolve(request, i, linkedId, made)
                : Move(request, i, linkedId, made);
            if (error is not null)
            {
                return new LedgerOutcome(LedgerStatus.Rejected, [], error);
            }
        }

        return new LedgerOutcome(LedgerStatus.Committed, made, null);
    }

    private LedgerError? Move(TransferRequest request, int index, string? linkedId, List<Transfer> made)
    {
        if (!Accounts.TryGetValue(request.Debit.Value, out AccountRow? debit))
        {
            return new LedgerError(LedgerErrorCodes.AccountNotFound, $"Account {request.Debit} does not exist.", index);
        }

        if (!Accounts.TryGetValue(request.Credit.Value, out AccountRow? credit))
        {
            return new LedgerError(LedgerErrorCodes.AccountNotFound, $"Account {request.Credit} does not exist.", index);
        }

        Remember(debit);
        Remember(credit);
        long amount = request.Amount.Cents;
        bool pending = request.Kind == TransferKind.Pending;
        if (pending)
        {
            debit.PendingDebits = checked(debit.PendingDebits + amount);
            credit.PendingCredits = checked(credit.PendingCredits + amount);
        }
        else
        {
            debit.Balance = checked(debit.Balance - amount);
            credit.Balance = checked(credit.Balance + amount);
        }

        if (debit.Overdrawn)
        {
            return new LedgerError(
                LedgerErrorCodes.InsufficientFunds, $"Account {request.Debit} does not have {amount} cents available.", index);
        }

        Record(new Transfer(
            request.Id, request.Kind, debit.Id, credit.Id, request.Amount, null,
            pending ? TransferState.Pending : TransferState.Posted, request.Code, linkedId, now), made);
        return null;
    }

    private LedgerError? Resolve(TransferRequest request, int index, string? linkedId, List<Transfer> made)
    {
        if (request.PendingId is null || !Transfers.TryGetValue(request.PendingId, out Transfer? pending))
        {
            return new LedgerError(LedgerErrorCodes.PendingNotFound, $"Pending transfer {request.PendingId} does not exist.", index);
        }

        if (pending.Kind != TransferKind.Pending)
        {
            return new LedgerError(LedgerErrorCodes.NotPending, $"Transfer {pending.Id} is not a pending transfer.", index);
        }

        TransferState state = StateOf(pending);
        if (state != TransferState.Pending)
        {
            return new LedgerError(
                LedgerErrorCodes.PendingAlreadyResolved, $"Pending transfer {pending.Id} is already {state.ToString().ToLowerInvariant()}.", index);
        }

        AccountRow debit = Accounts[pending.Debit];
        AccountRow credit = Accounts[pending.Credit];
        Remember(debit);
        Remember(credit);
        long amount = pending.Amount.Cents;
        debit.PendingDebits = checked(debit.PendingDebits - amount);
        credit.PendingCredits = checked(credit.PendingCredits - amount);
        bool post = request.Kind == TransferKind.Post;
        if (post)
        {
            debit.Balance = checked(debit.Balance - amount);
            credit.Balance = checked(credit.Balance + amount);
        }

        TransferState resolved = post ? TransferState.Posted : TransferState.Voided;
        Resolved[pending.Id] = resolved;
        _undoResolved.Add(pending.Id);
        Record(new Transfer(request.Id, request.Kind, debit.Id, credit.Id, pending.Amount, pending.Id, resolved, request.Code, linkedId, now), made);
        return null;
    }

    private void Record(Transfer transfer, List<Transfer> made)
    {
        Transfers.Add(transfer.Id, transfer);
        NewTransfers.Add(transfer);
        made.Add(transfer);
    }

    private void Remember(AccountRow row) => _undoAccounts.TryAdd(row.Id, (row.Balance, row.PendingDebits, row.PendingCredits));
}
