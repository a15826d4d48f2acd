
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'pipedrive' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'pipedrive'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'pipedrive' {
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Account the token belongs to (a company or integration name of your choosing)')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Owner of the token within the account (a user name, a cron job, ...)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest wait for a rate limit or backoff before giving up with exit 75')
            [CompletionResult]::new('--budget-reserve', '--budget-reserve', [CompletionResultType]::ParameterName, 'Stop (exit 75) before the company''s daily API token budget, which every integration shares, falls below this percent of its limit')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most API tokens this run may spend (each request''s cost from Pipedrive''s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one whole HTTP request, in seconds')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout of opening one connection, in seconds')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress display and no informational messages (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress display and no informational messages (errors are still printed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each HTTP request (method, URL without secrets, status, time) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each HTTP request (method, URL without secrets, status, time) on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in with OAuth in the browser and store the token')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Revoke the stored token at Pipedrive (best effort) and delete it')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show who is logged in: store, account, owner, api_domain, scopes, token age (never secrets)')
            [CompletionResult]::new('accounts', 'accounts', [CompletionResultType]::ParameterValue, 'List every identity in the token store: account, owner, scopes, token age, invalidated (never secrets; an OS keyring lists the owners of --account only)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Stream every record of a type as JSON lines or CSV')
            [CompletionResult]::new('pipeline', 'pipeline', [CompletionResultType]::ParameterValue, 'Print one pipeline as a JSON line (or CSV)')
            [CompletionResult]::new('stage', 'stage', [CompletionResultType]::ParameterValue, 'Print one stage as a JSON line (or CSV)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'pipedrive;login' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the browser to come back, in seconds')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Account the token belongs to (a company or integration name of your choosing)')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Owner of the token within the account (a user name, a cron job, ...)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest wait for a rate limit or backoff before giving up with exit 75')
            [CompletionResult]::new('--budget-reserve', '--budget-reserve', [CompletionResultType]::ParameterName, 'Stop (exit 75) before the company''s daily API token budget, which every integration shares, falls below this percent of its limit')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most API tokens this run may spend (each request''s cost from Pipedrive''s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one whole HTTP request, in seconds')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout of opening one connection, in seconds')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Do not open a browser: print the authorization URL on stderr (also accepts the redirected URL pasted on stdin, for SSH sessions)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress display and no informational messages (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress display and no informational messages (errors are still printed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each HTTP request (method, URL without secrets, status, time) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each HTTP request (method, URL without secrets, status, time) on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'pipedrive;logout' {
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Account the token belongs to (a company or integration name of your choosing)')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Owner of the token within the account (a user name, a cron job, ...)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest wait for a rate limit or backoff before giving up with exit 75')
            [CompletionResult]::new('--budget-reserve', '--budget-reserve', [CompletionResultType]::ParameterName, 'Stop (exit 75) before the company''s daily API token budget, which every integration shares, falls below this percent of its limit')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most API tokens this run may spend (each request''s cost from Pipedrive''s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one whole HTTP request, in seconds')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout of opening one connection, in seconds')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Remove the tokens of every owner of the account, not only --owner''s')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress display and no informational messages (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress display and no informational messages (errors are still printed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each HTTP request (method, URL without secrets, status, time) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each HTTP request (method, URL without secrets, status, time) on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'pipedrive;status' {
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Account the token belongs to (a company or integration name of your choosing)')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Owner of the token within the account (a user name, a cron job, ...)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest wait for a rate limit or backoff before giving up with exit 75')
            [CompletionResult]::new('--budget-reserve', '--budget-reserve', [CompletionResultType]::ParameterName, 'Stop (exit 75) before the company''s daily API token budget, which every integration shares, falls below this percent of its limit')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most API tokens this run may spend (each request''s cost from Pipedrive''s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one whole HTTP request, in seconds')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout of opening one connection, in seconds')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object instead of text, for scripts')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress display and no informational messages (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress display and no informational messages (errors are still printed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each HTTP request (method, URL without secrets, status, time) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each HTTP request (method, URL without secrets, status, time) on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'pipedrive;accounts' {
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Account the token belongs to (a company or integration name of your choosing)')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Owner of the token within the account (a user name, a cron job, ...)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest wait for a rate limit or backoff before giving up with exit 75')
            [CompletionResult]::new('--budget-reserve', '--budget-reserve', [CompletionResultType]::ParameterName, 'Stop (exit 75) before the company''s daily API token budget, which every integration shares, falls below this percent of its limit')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most API tokens this run may spend (each request''s cost from Pipedrive''s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one whole HTTP request, in seconds')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout of opening one connection, in seconds')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON array instead of a table, for scripts')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress display and no informational messages (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress display and no informational messages (errors are still printed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each HTTP request (method, URL without secrets, status, time) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each HTTP request (method, URL without secrets, status, time) on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'pipedrive;export' {
            [CompletionResult]::new('deals', 'deals', [CompletionResultType]::ParameterValue, 'Deals (v2)')
            [CompletionResult]::new('persons', 'persons', [CompletionResultType]::ParameterValue, 'People (v2)')
            [CompletionResult]::new('organizations', 'organizations', [CompletionResultType]::ParameterValue, 'Organizations (v2)')
            [CompletionResult]::new('notes', 'notes', [CompletionResultType]::ParameterValue, 'Notes (v1)')
            [CompletionResult]::new('pipelines', 'pipelines', [CompletionResultType]::ParameterValue, 'Pipelines (v2)')
            [CompletionResult]::new('stages', 'stages', [CompletionResultType]::ParameterValue, 'Stages (v2)')
            [CompletionResult]::new('activities', 'activities', [CompletionResultType]::ParameterValue, 'Activities (v2)')
            [CompletionResult]::new('products', 'products', [CompletionResultType]::ParameterValue, 'Products (v2)')
            [CompletionResult]::new('users', 'users', [CompletionResultType]::ParameterValue, 'Users (v1)')
            [CompletionResult]::new('leads', 'leads', [CompletionResultType]::ParameterValue, 'Leads (v1)')
            [CompletionResult]::new('lead-labels', 'lead-labels', [CompletionResultType]::ParameterValue, 'Lead labels')
            [CompletionResult]::new('lead-sources', 'lead-sources', [CompletionResultType]::ParameterValue, 'Lead sources')
            [CompletionResult]::new('activity-types', 'activity-types', [CompletionResultType]::ParameterValue, 'Activity types')
            [CompletionResult]::new('currencies', 'currencies', [CompletionResultType]::ParameterValue, 'Currencies of the company')
            [CompletionResult]::new('filters', 'filters', [CompletionResultType]::ParameterValue, 'Saved filters')
            [CompletionResult]::new('permission-sets', 'permission-sets', [CompletionResultType]::ParameterValue, 'Permission sets')
            [CompletionResult]::new('roles', 'roles', [CompletionResultType]::ParameterValue, 'Roles')
            [CompletionResult]::new('files', 'files', [CompletionResultType]::ParameterValue, 'File metadata (never file contents)')
            [CompletionResult]::new('call-logs', 'call-logs', [CompletionResultType]::ParameterValue, 'Call logs')
            [CompletionResult]::new('goals', 'goals', [CompletionResultType]::ParameterValue, 'Goals, active and inactive')
            [CompletionResult]::new('projects', 'projects', [CompletionResultType]::ParameterValue, 'Projects (v2)')
            [CompletionResult]::new('tasks', 'tasks', [CompletionResultType]::ParameterValue, 'Project tasks (v2)')
            [CompletionResult]::new('deal-products', 'deal-products', [CompletionResultType]::ParameterValue, 'Products attached to deals, 100 deals a request')
            [CompletionResult]::new('deal-installments', 'deal-installments', [CompletionResultType]::ParameterValue, 'Installments of deals, 100 deals a request')
            [CompletionResult]::new('product-variations', 'product-variations', [CompletionResultType]::ParameterValue, 'Variations of each product, one list per product')
            [CompletionResult]::new('deal-flow', 'deal-flow', [CompletionResultType]::ParameterValue, 'Updates of each deal (stage history), one request per deal')
            [CompletionResult]::new('deal-fields', 'deal-fields', [CompletionResultType]::ParameterValue, 'Deal field definitions (v2)')
            [CompletionResult]::new('person-fields', 'person-fields', [CompletionResultType]::ParameterValue, 'Person field definitions (v2)')
            [CompletionResult]::new('organization-fields', 'organization-fields', [CompletionResultType]::ParameterValue, 'Organization field definitions (v2)')
            [CompletionResult]::new('product-fields', 'product-fields', [CompletionResultType]::ParameterValue, 'Product field definitions (v2)')
            [CompletionResult]::new('activity-fields', 'activity-fields', [CompletionResultType]::ParameterValue, 'Activity field definitions (v2; needs admin)')
            [CompletionResult]::new('project-fields', 'project-fields', [CompletionResultType]::ParameterValue, 'Project field definitions (v2)')
            [CompletionResult]::new('note-fields', 'note-fields', [CompletionResultType]::ParameterValue, 'Note field definitions (v1)')
            [CompletionResult]::new('lead-fields', 'lead-fields', [CompletionResultType]::ParameterValue, 'Lead field definitions (v1)')
            [CompletionResult]::new('all', 'all', [CompletionResultType]::ParameterValue, 'Every type the token''s scopes allow, into --output-dir')
            [CompletionResult]::new('--types', '--types', [CompletionResultType]::ParameterName, '`export all`: only these types (comma-separated; `all` stands for the default set, so `--types all,deal-flow` adds deal-flow, which runs only when named here)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to FILE atomically instead of stdout (the old file stays intact if the export fails), or sync into MongoDB with a mongodb:// or mongodb+srv:// URI (database from its path, default `pipedrive`): one upserted document per record, incremental by default')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write to FILE atomically instead of stdout (the old file stays intact if the export fails), or sync into MongoDB with a mongodb:// or mongodb+srv:// URI (database from its path, default `pipedrive`): one upserted document per record, incremental by default')
            [CompletionResult]::new('--collection', '--collection', [CompletionResultType]::ParameterName, 'MongoDB output: the collection the records go into (default pipedrive_records)')
            [CompletionResult]::new('--output-dir', '--output-dir', [CompletionResultType]::ParameterName, 'Directory for `export all`: one file per type plus manifest.json')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'Incremental export: only records updated since the last successful run recorded in FILE')
            [CompletionResult]::new('--include-fields', '--include-fields', [CompletionResultType]::ParameterName, 'Optional fields v2 lists leave out unless asked (`activities_count`, `first_won_time`...): `all`, or names the type''s operation declares under `include_fields`')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Records per page, 1 to 500; lowered to what a list allows (call-logs 50, files 100)')
            [CompletionResult]::new('--max', '--max', [CompletionResultType]::ParameterName, 'Stop after N records')
            [CompletionResult]::new('--updated-since', '--updated-since', [CompletionResultType]::ParameterName, 'Only records updated at or after this RFC 3339 time (where the endpoint filters by it)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Requests in flight at once: offset pages, update-time slices of deals, persons, organizations and activities, the parents of a per-parent type, the types of `export all` (1 reads a cursor list with one cursor)')
            [CompletionResult]::new('--accounts-concurrency', '--accounts-concurrency', [CompletionResultType]::ParameterName, 'With --every-account: accounts exported at once by this process, each with its own session, pacing and budget')
            [CompletionResult]::new('--round', '--round', [CompletionResultType]::ParameterName, 'With --every-account: the round this run belongs to; each account is exported once per round by whichever machine claims it first [default: the UTC date and hour, 2026-12-06T03]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Account the token belongs to (a company or integration name of your choosing)')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Owner of the token within the account (a user name, a cron job, ...)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest wait for a rate limit or backoff before giving up with exit 75')
            [CompletionResult]::new('--budget-reserve', '--budget-reserve', [CompletionResultType]::ParameterName, 'Stop (exit 75) before the company''s daily API token budget, which every integration shares, falls below this percent of its limit')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most API tokens this run may spend (each request''s cost from Pipedrive''s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one whole HTTP request, in seconds')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout of opening one connection, in seconds')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'MongoDB output: walk every record instead of those updated since the last sync, and mark the documents the walk did not see as deleted')
            [CompletionResult]::new('--field-names', '--field-names', [CompletionResultType]::ParameterName, 'Turn custom field keys into field names and option ids into labels (default for CSV)')
            [CompletionResult]::new('--raw-keys', '--raw-keys', [CompletionResultType]::ParameterName, 'Keep the API''s custom field keys and option ids (turns off the CSV default)')
            [CompletionResult]::new('--include-archived', '--include-archived', [CompletionResultType]::ParameterName, 'Also export archived deals (deals) or archived leads (leads); per-deal types walk archived deals too')
            [CompletionResult]::new('--include-deleted', '--include-deleted', [CompletionResultType]::ParameterName, 'Also export deals deleted in the last 30 days, marked `is_deleted` (deals only)')
            [CompletionResult]::new('--excel', '--excel', [CompletionResultType]::ParameterName, 'CSV for spreadsheets: a UTF-8 byte-order mark, and text cells that start with =, +, -, @, tab or CR (and are not numbers) prefixed with '' so no formula runs (needs --format csv)')
            [CompletionResult]::new('--every-account', '--every-account', [CompletionResultType]::ParameterName, '`export all`: every identity in the MongoDB token store, each exported once per --round under --output-dir DIR/<account>/<owner>/ or into --output mongodb://..., however many machines run the same command')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress display and no informational messages (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress display and no informational messages (errors are still printed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each HTTP request (method, URL without secrets, status, time) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each HTTP request (method, URL without secrets, status, time) on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'pipedrive;pipeline' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Account the token belongs to (a company or integration name of your choosing)')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Owner of the token within the account (a user name, a cron job, ...)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest wait for a rate limit or backoff before giving up with exit 75')
            [CompletionResult]::new('--budget-reserve', '--budget-reserve', [CompletionResultType]::ParameterName, 'Stop (exit 75) before the company''s daily API token budget, which every integration shares, falls below this percent of its limit')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most API tokens this run may spend (each request''s cost from Pipedrive''s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one whole HTTP request, in seconds')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout of opening one connection, in seconds')
            [CompletionResult]::new('--stages', '--stages', [CompletionResultType]::ParameterName, 'Add the pipeline''s stages as a `stages` array')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress display and no informational messages (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress display and no informational messages (errors are still printed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each HTTP request (method, URL without secrets, status, time) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each HTTP request (method, URL without secrets, status, time) on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'pipedrive;stage' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Account the token belongs to (a company or integration name of your choosing)')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Owner of the token within the account (a user name, a cron job, ...)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest wait for a rate limit or backoff before giving up with exit 75')
            [CompletionResult]::new('--budget-reserve', '--budget-reserve', [CompletionResultType]::ParameterName, 'Stop (exit 75) before the company''s daily API token budget, which every integration shares, falls below this percent of its limit')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most API tokens this run may spend (each request''s cost from Pipedrive''s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one whole HTTP request, in seconds')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout of opening one connection, in seconds')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress display and no informational messages (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress display and no informational messages (errors are still printed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each HTTP request (method, URL without secrets, status, time) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each HTTP request (method, URL without secrets, status, time) on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'pipedrive;completions' {
            [CompletionResult]::new('bash', 'bash', [CompletionResultType]::ParameterValue, 'bash')
            [CompletionResult]::new('elvish', 'elvish', [CompletionResultType]::ParameterValue, 'elvish')
            [CompletionResult]::new('fish', 'fish', [CompletionResultType]::ParameterValue, 'fish')
            [CompletionResult]::new('powershell', 'powershell', [CompletionResultType]::ParameterValue, 'powershell')
            [CompletionResult]::new('zsh', 'zsh', [CompletionResultType]::ParameterValue, 'zsh')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Account the token belongs to (a company or integration name of your choosing)')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Owner of the token within the account (a user name, a cron job, ...)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest wait for a rate limit or backoff before giving up with exit 75')
            [CompletionResult]::new('--budget-reserve', '--budget-reserve', [CompletionResultType]::ParameterName, 'Stop (exit 75) before the company''s daily API token budget, which every integration shares, falls below this percent of its limit')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most API tokens this run may spend (each request''s cost from Pipedrive''s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one whole HTTP request, in seconds')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout of opening one connection, in seconds')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress display and no informational messages (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress display and no informational messages (errors are still printed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each HTTP request (method, URL without secrets, status, time) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each HTTP request (method, URL without secrets, status, time) on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'pipedrive;help' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in with OAuth in the browser and store the token')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Revoke the stored token at Pipedrive (best effort) and delete it')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show who is logged in: store, account, owner, api_domain, scopes, token age (never secrets)')
            [CompletionResult]::new('accounts', 'accounts', [CompletionResultType]::ParameterValue, 'List every identity in the token store: account, owner, scopes, token age, invalidated (never secrets; an OS keyring lists the owners of --account only)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Stream every record of a type as JSON lines or CSV')
            [CompletionResult]::new('pipeline', 'pipeline', [CompletionResultType]::ParameterValue, 'Print one pipeline as a JSON line (or CSV)')
            [CompletionResult]::new('stage', 'stage', [CompletionResultType]::ParameterValue, 'Print one stage as a JSON line (or CSV)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'pipedrive;help;login' {
            break
        }
        'pipedrive;help;logout' {
            break
        }
        'pipedrive;help;status' {
            break
        }
        'pipedrive;help;accounts' {
            break
        }
        'pipedrive;help;export' {
            break
        }
        'pipedrive;help;pipeline' {
            break
        }
        'pipedrive;help;stage' {
            break
        }
        'pipedrive;help;completions' {
            break
        }
        'pipedrive;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
