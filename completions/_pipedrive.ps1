
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
        'pipedrive;export' {
            [CompletionResult]::new('deals', 'deals', [CompletionResultType]::ParameterValue, 'deals')
            [CompletionResult]::new('persons', 'persons', [CompletionResultType]::ParameterValue, 'persons')
            [CompletionResult]::new('organizations', 'organizations', [CompletionResultType]::ParameterValue, 'organizations')
            [CompletionResult]::new('notes', 'notes', [CompletionResultType]::ParameterValue, 'notes')
            [CompletionResult]::new('pipelines', 'pipelines', [CompletionResultType]::ParameterValue, 'pipelines')
            [CompletionResult]::new('stages', 'stages', [CompletionResultType]::ParameterValue, 'stages')
            [CompletionResult]::new('activities', 'activities', [CompletionResultType]::ParameterValue, 'activities')
            [CompletionResult]::new('products', 'products', [CompletionResultType]::ParameterValue, 'products')
            [CompletionResult]::new('users', 'users', [CompletionResultType]::ParameterValue, 'users')
            [CompletionResult]::new('all', 'all', [CompletionResultType]::ParameterValue, 'all')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to FILE atomically instead of stdout (the old file stays intact if the export fails)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write to FILE atomically instead of stdout (the old file stays intact if the export fails)')
            [CompletionResult]::new('--output-dir', '--output-dir', [CompletionResultType]::ParameterName, 'Directory for `export all`: one file per type plus manifest.json')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'Incremental export: only records updated since the last successful run recorded in FILE')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Records per page, 1 to 500')
            [CompletionResult]::new('--max', '--max', [CompletionResultType]::ParameterName, 'Stop after N records')
            [CompletionResult]::new('--updated-since', '--updated-since', [CompletionResultType]::ParameterName, 'Only records updated at or after this RFC 3339 time (where the endpoint filters by it)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Pages fetched at once for offset-paged types (notes) and for `export all`')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Account the token belongs to (a company or integration name of your choosing)')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Owner of the token within the account (a user name, a cron job, ...)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest wait for a rate limit or backoff before giving up with exit 75')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one whole HTTP request, in seconds')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout of opening one connection, in seconds')
            [CompletionResult]::new('--field-names', '--field-names', [CompletionResultType]::ParameterName, 'Turn custom field keys into field names and option ids into labels (default for CSV)')
            [CompletionResult]::new('--raw-keys', '--raw-keys', [CompletionResultType]::ParameterName, 'Keep the API''s custom field keys and option ids (turns off the CSV default)')
            [CompletionResult]::new('--include-archived', '--include-archived', [CompletionResultType]::ParameterName, 'Also export archived deals (deals only)')
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
