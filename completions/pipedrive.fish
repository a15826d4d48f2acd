# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_pipedrive_global_optspecs
    string join \n account= owner= store= config-dir= max-wait= budget-reserve= max-tokens= request-timeout= connect-timeout= q/quiet v/verbose h/help V/version
end

function __fish_pipedrive_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_pipedrive_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_pipedrive_using_subcommand
    set -l cmd (__fish_pipedrive_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c pipedrive -n "__fish_pipedrive_needs_command" -l account -d 'Account the token belongs to (a company or integration name of your choosing)' -r
complete -c pipedrive -n "__fish_pipedrive_needs_command" -l owner -d 'Owner of the token within the account (a user name, a cron job, ...)' -r
complete -c pipedrive -n "__fish_pipedrive_needs_command" -l store -d 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir' -r -f -a "auto\t''
keyring\t''
file\t''
mongo\t''"
complete -c pipedrive -n "__fish_pipedrive_needs_command" -l config-dir -d 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]' -r -F
complete -c pipedrive -n "__fish_pipedrive_needs_command" -l max-wait -d 'Longest wait for a rate limit or backoff before giving up with exit 75' -r
complete -c pipedrive -n "__fish_pipedrive_needs_command" -l budget-reserve -d 'Stop (exit 75) before the company\'s daily API token budget, which every integration shares, falls below this percent of its limit' -r
complete -c pipedrive -n "__fish_pipedrive_needs_command" -l max-tokens -d 'Most API tokens this run may spend (each request\'s cost from Pipedrive\'s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state' -r
complete -c pipedrive -n "__fish_pipedrive_needs_command" -l request-timeout -d 'Timeout of one whole HTTP request, in seconds' -r
complete -c pipedrive -n "__fish_pipedrive_needs_command" -l connect-timeout -d 'Timeout of opening one connection, in seconds' -r
complete -c pipedrive -n "__fish_pipedrive_needs_command" -s q -l quiet -d 'No progress display and no informational messages (errors are still printed)'
complete -c pipedrive -n "__fish_pipedrive_needs_command" -s v -l verbose -d 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
complete -c pipedrive -n "__fish_pipedrive_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pipedrive -n "__fish_pipedrive_needs_command" -s V -l version -d 'Print version'
complete -c pipedrive -n "__fish_pipedrive_needs_command" -f -a "login" -d 'Log in with OAuth in the browser and store the token'
complete -c pipedrive -n "__fish_pipedrive_needs_command" -f -a "logout" -d 'Revoke the stored token at Pipedrive (best effort) and delete it'
complete -c pipedrive -n "__fish_pipedrive_needs_command" -f -a "status" -d 'Show who is logged in: store, account, owner, api_domain, scopes, token age (never secrets)'
complete -c pipedrive -n "__fish_pipedrive_needs_command" -f -a "accounts" -d 'List every identity in the token store: account, owner, scopes, token age, invalidated (never secrets; an OS keyring lists the owners of --account only)'
complete -c pipedrive -n "__fish_pipedrive_needs_command" -f -a "export" -d 'Stream every record of a type as JSON lines or CSV'
complete -c pipedrive -n "__fish_pipedrive_needs_command" -f -a "pipeline" -d 'Print one pipeline as a JSON line (or CSV)'
complete -c pipedrive -n "__fish_pipedrive_needs_command" -f -a "stage" -d 'Print one stage as a JSON line (or CSV)'
complete -c pipedrive -n "__fish_pipedrive_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c pipedrive -n "__fish_pipedrive_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand login" -l timeout -d 'How long to wait for the browser to come back, in seconds' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand login" -l account -d 'Account the token belongs to (a company or integration name of your choosing)' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand login" -l owner -d 'Owner of the token within the account (a user name, a cron job, ...)' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand login" -l store -d 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir' -r -f -a "auto\t''
keyring\t''
file\t''
mongo\t''"
complete -c pipedrive -n "__fish_pipedrive_using_subcommand login" -l config-dir -d 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]' -r -F
complete -c pipedrive -n "__fish_pipedrive_using_subcommand login" -l max-wait -d 'Longest wait for a rate limit or backoff before giving up with exit 75' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand login" -l budget-reserve -d 'Stop (exit 75) before the company\'s daily API token budget, which every integration shares, falls below this percent of its limit' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand login" -l max-tokens -d 'Most API tokens this run may spend (each request\'s cost from Pipedrive\'s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand login" -l request-timeout -d 'Timeout of one whole HTTP request, in seconds' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand login" -l connect-timeout -d 'Timeout of opening one connection, in seconds' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand login" -l no-browser -d 'Do not open a browser: print the authorization URL on stderr (also accepts the redirected URL pasted on stdin, for SSH sessions)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand login" -s q -l quiet -d 'No progress display and no informational messages (errors are still printed)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand login" -s v -l verbose -d 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand login" -s h -l help -d 'Print help'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand login" -s V -l version -d 'Print version'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand logout" -l account -d 'Account the token belongs to (a company or integration name of your choosing)' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand logout" -l owner -d 'Owner of the token within the account (a user name, a cron job, ...)' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand logout" -l store -d 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir' -r -f -a "auto\t''
keyring\t''
file\t''
mongo\t''"
complete -c pipedrive -n "__fish_pipedrive_using_subcommand logout" -l config-dir -d 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]' -r -F
complete -c pipedrive -n "__fish_pipedrive_using_subcommand logout" -l max-wait -d 'Longest wait for a rate limit or backoff before giving up with exit 75' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand logout" -l budget-reserve -d 'Stop (exit 75) before the company\'s daily API token budget, which every integration shares, falls below this percent of its limit' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand logout" -l max-tokens -d 'Most API tokens this run may spend (each request\'s cost from Pipedrive\'s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand logout" -l request-timeout -d 'Timeout of one whole HTTP request, in seconds' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand logout" -l connect-timeout -d 'Timeout of opening one connection, in seconds' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand logout" -l all -d 'Remove the tokens of every owner of the account, not only --owner\'s'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand logout" -s q -l quiet -d 'No progress display and no informational messages (errors are still printed)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand logout" -s v -l verbose -d 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand logout" -s h -l help -d 'Print help'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand logout" -s V -l version -d 'Print version'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand status" -l account -d 'Account the token belongs to (a company or integration name of your choosing)' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand status" -l owner -d 'Owner of the token within the account (a user name, a cron job, ...)' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand status" -l store -d 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir' -r -f -a "auto\t''
keyring\t''
file\t''
mongo\t''"
complete -c pipedrive -n "__fish_pipedrive_using_subcommand status" -l config-dir -d 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]' -r -F
complete -c pipedrive -n "__fish_pipedrive_using_subcommand status" -l max-wait -d 'Longest wait for a rate limit or backoff before giving up with exit 75' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand status" -l budget-reserve -d 'Stop (exit 75) before the company\'s daily API token budget, which every integration shares, falls below this percent of its limit' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand status" -l max-tokens -d 'Most API tokens this run may spend (each request\'s cost from Pipedrive\'s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand status" -l request-timeout -d 'Timeout of one whole HTTP request, in seconds' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand status" -l connect-timeout -d 'Timeout of opening one connection, in seconds' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand status" -l json -d 'Print one JSON object instead of text, for scripts'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand status" -s q -l quiet -d 'No progress display and no informational messages (errors are still printed)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand status" -s v -l verbose -d 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand status" -s h -l help -d 'Print help'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand status" -s V -l version -d 'Print version'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand accounts" -l account -d 'Account the token belongs to (a company or integration name of your choosing)' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand accounts" -l owner -d 'Owner of the token within the account (a user name, a cron job, ...)' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand accounts" -l store -d 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir' -r -f -a "auto\t''
keyring\t''
file\t''
mongo\t''"
complete -c pipedrive -n "__fish_pipedrive_using_subcommand accounts" -l config-dir -d 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]' -r -F
complete -c pipedrive -n "__fish_pipedrive_using_subcommand accounts" -l max-wait -d 'Longest wait for a rate limit or backoff before giving up with exit 75' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand accounts" -l budget-reserve -d 'Stop (exit 75) before the company\'s daily API token budget, which every integration shares, falls below this percent of its limit' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand accounts" -l max-tokens -d 'Most API tokens this run may spend (each request\'s cost from Pipedrive\'s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand accounts" -l request-timeout -d 'Timeout of one whole HTTP request, in seconds' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand accounts" -l connect-timeout -d 'Timeout of opening one connection, in seconds' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand accounts" -l json -d 'Print one JSON array instead of a table, for scripts'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand accounts" -s q -l quiet -d 'No progress display and no informational messages (errors are still printed)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand accounts" -s v -l verbose -d 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand accounts" -s h -l help -d 'Print help'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand accounts" -s V -l version -d 'Print version'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l types -d '`export all`: only these types (comma-separated; `all` stands for the default set, so `--types all,deal-flow` adds deal-flow, which runs only when named here)' -r -f -a "deals\t'Deals (v2)'
persons\t'People (v2)'
organizations\t'Organizations (v2)'
notes\t'Notes (v1)'
pipelines\t'Pipelines (v2)'
stages\t'Stages (v2)'
activities\t'Activities (v2)'
products\t'Products (v2)'
users\t'Users (v1)'
leads\t'Leads (v1)'
lead-labels\t'Lead labels'
lead-sources\t'Lead sources'
activity-types\t'Activity types'
currencies\t'Currencies of the company'
filters\t'Saved filters'
permission-sets\t'Permission sets'
roles\t'Roles'
files\t'File metadata (never file contents)'
call-logs\t'Call logs'
goals\t'Goals, active and inactive'
projects\t'Projects (v2)'
tasks\t'Project tasks (v2)'
deal-products\t'Products attached to deals, 100 deals a request'
deal-installments\t'Installments of deals, 100 deals a request'
product-variations\t'Variations of each product, one list per product'
deal-flow\t'Updates of each deal (stage history), one request per deal'
deal-fields\t'Deal field definitions (v2)'
person-fields\t'Person field definitions (v2)'
organization-fields\t'Organization field definitions (v2)'
product-fields\t'Product field definitions (v2)'
activity-fields\t'Activity field definitions (v2; needs admin)'
project-fields\t'Project field definitions (v2)'
note-fields\t'Note field definitions (v1)'
lead-fields\t'Lead field definitions (v1)'
all\t'Every type the token\'s scopes allow, into --output-dir'"
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l format -d 'Output format' -r -f -a "jsonl\t'One compact JSON object per line, as the API returns it'
csv\t'RFC 4180 with one header row; nested objects flattened with `.`'"
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -s o -l output -d 'Write to FILE atomically instead of stdout (the old file stays intact if the export fails), or sync into MongoDB with a mongodb:// or mongodb+srv:// URI (database from its path, default `pipedrive`): one upserted document per record, incremental by default' -r -F
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l collection -d 'MongoDB output: the collection the records go into (default pipedrive_records)' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l output-dir -d 'Directory for `export all`: one file per type plus manifest.json' -r -F
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l state -d 'Incremental export: only records updated since the last successful run recorded in FILE' -r -F
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l include-fields -d 'Optional fields v2 lists leave out unless asked (`activities_count`, `first_won_time`...): `all`, or names the type\'s operation declares under `include_fields`' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l limit -d 'Records per page, 1 to 500; lowered to what a list allows (call-logs 50, files 100)' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l max -d 'Stop after N records' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l updated-since -d 'Only records updated at or after this RFC 3339 time (where the endpoint filters by it)' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l concurrency -d 'Requests in flight at once: offset pages, update-time slices of deals, persons, organizations and activities, the parents of a per-parent type, the types of `export all` (1 reads a cursor list with one cursor)' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l accounts-concurrency -d 'With --every-account: accounts exported at once by this process, each with its own session, pacing and budget' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l round -d 'With --every-account: the round this run belongs to; each account is exported once per round by whichever machine claims it first [default: the UTC date and hour, 2026-12-06T03]' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l account -d 'Account the token belongs to (a company or integration name of your choosing)' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l owner -d 'Owner of the token within the account (a user name, a cron job, ...)' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l store -d 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir' -r -f -a "auto\t''
keyring\t''
file\t''
mongo\t''"
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l config-dir -d 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]' -r -F
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l max-wait -d 'Longest wait for a rate limit or backoff before giving up with exit 75' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l budget-reserve -d 'Stop (exit 75) before the company\'s daily API token budget, which every integration shares, falls below this percent of its limit' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l max-tokens -d 'Most API tokens this run may spend (each request\'s cost from Pipedrive\'s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l request-timeout -d 'Timeout of one whole HTTP request, in seconds' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l connect-timeout -d 'Timeout of opening one connection, in seconds' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l full -d 'MongoDB output: walk every record instead of those updated since the last sync, and mark the documents the walk did not see as deleted'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l field-names -d 'Turn custom field keys into field names and option ids into labels (default for CSV)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l raw-keys -d 'Keep the API\'s custom field keys and option ids (turns off the CSV default)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l include-archived -d 'Also export archived deals (deals) or archived leads (leads); per-deal types walk archived deals too'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l include-deleted -d 'Also export deals deleted in the last 30 days, marked `is_deleted` (deals only)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l excel -d 'CSV for spreadsheets: a UTF-8 byte-order mark, and text cells that start with =, +, -, @, tab or CR (and are not numbers) prefixed with \' so no formula runs (needs --format csv)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -l every-account -d '`export all`: every identity in the MongoDB token store, each exported once per --round under --output-dir DIR/<account>/<owner>/ or into --output mongodb://..., however many machines run the same command'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -s q -l quiet -d 'No progress display and no informational messages (errors are still printed)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -s v -l verbose -d 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export" -s V -l version -d 'Print version'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand pipeline" -l format -d 'Output format' -r -f -a "jsonl\t'One compact JSON object per line, as the API returns it'
csv\t'RFC 4180 with one header row; nested objects flattened with `.`'"
complete -c pipedrive -n "__fish_pipedrive_using_subcommand pipeline" -l account -d 'Account the token belongs to (a company or integration name of your choosing)' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand pipeline" -l owner -d 'Owner of the token within the account (a user name, a cron job, ...)' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand pipeline" -l store -d 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir' -r -f -a "auto\t''
keyring\t''
file\t''
mongo\t''"
complete -c pipedrive -n "__fish_pipedrive_using_subcommand pipeline" -l config-dir -d 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]' -r -F
complete -c pipedrive -n "__fish_pipedrive_using_subcommand pipeline" -l max-wait -d 'Longest wait for a rate limit or backoff before giving up with exit 75' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand pipeline" -l budget-reserve -d 'Stop (exit 75) before the company\'s daily API token budget, which every integration shares, falls below this percent of its limit' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand pipeline" -l max-tokens -d 'Most API tokens this run may spend (each request\'s cost from Pipedrive\'s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand pipeline" -l request-timeout -d 'Timeout of one whole HTTP request, in seconds' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand pipeline" -l connect-timeout -d 'Timeout of opening one connection, in seconds' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand pipeline" -l stages -d 'Add the pipeline\'s stages as a `stages` array'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand pipeline" -s q -l quiet -d 'No progress display and no informational messages (errors are still printed)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand pipeline" -s v -l verbose -d 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand pipeline" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand pipeline" -s V -l version -d 'Print version'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand stage" -l format -d 'Output format' -r -f -a "jsonl\t'One compact JSON object per line, as the API returns it'
csv\t'RFC 4180 with one header row; nested objects flattened with `.`'"
complete -c pipedrive -n "__fish_pipedrive_using_subcommand stage" -l account -d 'Account the token belongs to (a company or integration name of your choosing)' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand stage" -l owner -d 'Owner of the token within the account (a user name, a cron job, ...)' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand stage" -l store -d 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir' -r -f -a "auto\t''
keyring\t''
file\t''
mongo\t''"
complete -c pipedrive -n "__fish_pipedrive_using_subcommand stage" -l config-dir -d 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]' -r -F
complete -c pipedrive -n "__fish_pipedrive_using_subcommand stage" -l max-wait -d 'Longest wait for a rate limit or backoff before giving up with exit 75' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand stage" -l budget-reserve -d 'Stop (exit 75) before the company\'s daily API token budget, which every integration shares, falls below this percent of its limit' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand stage" -l max-tokens -d 'Most API tokens this run may spend (each request\'s cost from Pipedrive\'s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand stage" -l request-timeout -d 'Timeout of one whole HTTP request, in seconds' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand stage" -l connect-timeout -d 'Timeout of opening one connection, in seconds' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand stage" -s q -l quiet -d 'No progress display and no informational messages (errors are still printed)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand stage" -s v -l verbose -d 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand stage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand stage" -s V -l version -d 'Print version'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand completions" -l account -d 'Account the token belongs to (a company or integration name of your choosing)' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand completions" -l owner -d 'Owner of the token within the account (a user name, a cron job, ...)' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand completions" -l store -d 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir' -r -f -a "auto\t''
keyring\t''
file\t''
mongo\t''"
complete -c pipedrive -n "__fish_pipedrive_using_subcommand completions" -l config-dir -d 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]' -r -F
complete -c pipedrive -n "__fish_pipedrive_using_subcommand completions" -l max-wait -d 'Longest wait for a rate limit or backoff before giving up with exit 75' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand completions" -l budget-reserve -d 'Stop (exit 75) before the company\'s daily API token budget, which every integration shares, falls below this percent of its limit' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand completions" -l max-tokens -d 'Most API tokens this run may spend (each request\'s cost from Pipedrive\'s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand completions" -l request-timeout -d 'Timeout of one whole HTTP request, in seconds' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand completions" -l connect-timeout -d 'Timeout of opening one connection, in seconds' -r
complete -c pipedrive -n "__fish_pipedrive_using_subcommand completions" -s q -l quiet -d 'No progress display and no informational messages (errors are still printed)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand completions" -s v -l verbose -d 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand completions" -s h -l help -d 'Print help'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand completions" -s V -l version -d 'Print version'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand help; and not __fish_seen_subcommand_from login logout status accounts export pipeline stage completions help" -f -a "login" -d 'Log in with OAuth in the browser and store the token'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand help; and not __fish_seen_subcommand_from login logout status accounts export pipeline stage completions help" -f -a "logout" -d 'Revoke the stored token at Pipedrive (best effort) and delete it'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand help; and not __fish_seen_subcommand_from login logout status accounts export pipeline stage completions help" -f -a "status" -d 'Show who is logged in: store, account, owner, api_domain, scopes, token age (never secrets)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand help; and not __fish_seen_subcommand_from login logout status accounts export pipeline stage completions help" -f -a "accounts" -d 'List every identity in the token store: account, owner, scopes, token age, invalidated (never secrets; an OS keyring lists the owners of --account only)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand help; and not __fish_seen_subcommand_from login logout status accounts export pipeline stage completions help" -f -a "export" -d 'Stream every record of a type as JSON lines or CSV'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand help; and not __fish_seen_subcommand_from login logout status accounts export pipeline stage completions help" -f -a "pipeline" -d 'Print one pipeline as a JSON line (or CSV)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand help; and not __fish_seen_subcommand_from login logout status accounts export pipeline stage completions help" -f -a "stage" -d 'Print one stage as a JSON line (or CSV)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand help; and not __fish_seen_subcommand_from login logout status accounts export pipeline stage completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand help; and not __fish_seen_subcommand_from login logout status accounts export pipeline stage completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'

# Values of global options before the subcommand.
complete -c pipedrive -l store -d 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir' -x -a "auto keyring file mongo"

# Values of positional arguments (not generated by clap_complete for fish).
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a deals -d 'Deals (v2)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a persons -d 'People (v2)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a organizations -d 'Organizations (v2)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a notes -d 'Notes (v1)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a pipelines -d 'Pipelines (v2)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a stages -d 'Stages (v2)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a activities -d 'Activities (v2)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a products -d 'Products (v2)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a users -d 'Users (v1)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a leads -d 'Leads (v1)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a lead-labels -d 'Lead labels'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a lead-sources -d 'Lead sources'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a activity-types -d 'Activity types'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a currencies -d 'Currencies of the company'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a filters -d 'Saved filters'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a permission-sets -d 'Permission sets'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a roles -d 'Roles'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a files -d 'File metadata (never file contents)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a call-logs -d 'Call logs'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a goals -d 'Goals, active and inactive'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a projects -d 'Projects (v2)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a tasks -d 'Project tasks (v2)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a deal-products -d 'Products attached to deals, 100 deals a request'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a deal-installments -d 'Installments of deals, 100 deals a request'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a product-variations -d 'Variations of each product, one list per product'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a deal-flow -d 'Updates of each deal (stage history), one request per deal'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a deal-fields -d 'Deal field definitions (v2)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a person-fields -d 'Person field definitions (v2)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a organization-fields -d 'Organization field definitions (v2)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a product-fields -d 'Product field definitions (v2)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a activity-fields -d 'Activity field definitions (v2; needs admin)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a project-fields -d 'Project field definitions (v2)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a note-fields -d 'Note field definitions (v1)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a lead-fields -d 'Lead field definitions (v1)'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand export; and not __fish_seen_subcommand_from deals persons organizations notes pipelines stages activities products users leads lead-labels lead-sources activity-types currencies filters permission-sets roles files call-logs goals projects tasks deal-products deal-installments product-variations deal-flow deal-fields person-fields organization-fields product-fields activity-fields project-fields note-fields lead-fields all" -f -a all -d 'Every type the token\'s scopes allow, into --output-dir'
complete -c pipedrive -n "__fish_pipedrive_using_subcommand completions; and not __fish_seen_subcommand_from bash elvish fish powershell zsh" -f -a "bash elvish fish powershell zsh"
