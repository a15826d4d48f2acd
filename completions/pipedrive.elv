
use builtin;
use str;

set edit:completion:arg-completer[pipedrive] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'pipedrive'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'pipedrive'= {
            cand --account 'Account the token belongs to (a company or integration name of your choosing)'
            cand --owner 'Owner of the token within the account (a user name, a cron job, ...)'
            cand --store 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir'
            cand --config-dir 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]'
            cand --max-wait 'Longest wait for a rate limit or backoff before giving up with exit 75'
            cand --budget-reserve 'Stop (exit 75) before the company''s daily API token budget, which every integration shares, falls below this percent of its limit'
            cand --max-tokens 'Most API tokens this run may spend (each request''s cost from Pipedrive''s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state'
            cand --request-timeout 'Timeout of one whole HTTP request, in seconds'
            cand --connect-timeout 'Timeout of opening one connection, in seconds'
            cand -q 'No progress display and no informational messages (errors are still printed)'
            cand --quiet 'No progress display and no informational messages (errors are still printed)'
            cand -v 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
            cand --verbose 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand login 'Log in with OAuth in the browser and store the token'
            cand logout 'Revoke the stored token at Pipedrive (best effort) and delete it'
            cand status 'Show who is logged in: store, account, owner, api_domain, scopes, token age (never secrets)'
            cand export 'Stream every record of a type as JSON lines or CSV'
            cand pipeline 'Print one pipeline as a JSON line (or CSV)'
            cand stage 'Print one stage as a JSON line (or CSV)'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'pipedrive;login'= {
            cand --timeout 'How long to wait for the browser to come back, in seconds'
            cand --account 'Account the token belongs to (a company or integration name of your choosing)'
            cand --owner 'Owner of the token within the account (a user name, a cron job, ...)'
            cand --store 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir'
            cand --config-dir 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]'
            cand --max-wait 'Longest wait for a rate limit or backoff before giving up with exit 75'
            cand --budget-reserve 'Stop (exit 75) before the company''s daily API token budget, which every integration shares, falls below this percent of its limit'
            cand --max-tokens 'Most API tokens this run may spend (each request''s cost from Pipedrive''s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state'
            cand --request-timeout 'Timeout of one whole HTTP request, in seconds'
            cand --connect-timeout 'Timeout of opening one connection, in seconds'
            cand --no-browser 'Do not open a browser: print the authorization URL on stderr (also accepts the redirected URL pasted on stdin, for SSH sessions)'
            cand -q 'No progress display and no informational messages (errors are still printed)'
            cand --quiet 'No progress display and no informational messages (errors are still printed)'
            cand -v 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
            cand --verbose 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'pipedrive;logout'= {
            cand --account 'Account the token belongs to (a company or integration name of your choosing)'
            cand --owner 'Owner of the token within the account (a user name, a cron job, ...)'
            cand --store 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir'
            cand --config-dir 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]'
            cand --max-wait 'Longest wait for a rate limit or backoff before giving up with exit 75'
            cand --budget-reserve 'Stop (exit 75) before the company''s daily API token budget, which every integration shares, falls below this percent of its limit'
            cand --max-tokens 'Most API tokens this run may spend (each request''s cost from Pipedrive''s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state'
            cand --request-timeout 'Timeout of one whole HTTP request, in seconds'
            cand --connect-timeout 'Timeout of opening one connection, in seconds'
            cand --all 'Remove the tokens of every owner of the account, not only --owner''s'
            cand -q 'No progress display and no informational messages (errors are still printed)'
            cand --quiet 'No progress display and no informational messages (errors are still printed)'
            cand -v 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
            cand --verbose 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'pipedrive;status'= {
            cand --account 'Account the token belongs to (a company or integration name of your choosing)'
            cand --owner 'Owner of the token within the account (a user name, a cron job, ...)'
            cand --store 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir'
            cand --config-dir 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]'
            cand --max-wait 'Longest wait for a rate limit or backoff before giving up with exit 75'
            cand --budget-reserve 'Stop (exit 75) before the company''s daily API token budget, which every integration shares, falls below this percent of its limit'
            cand --max-tokens 'Most API tokens this run may spend (each request''s cost from Pipedrive''s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state'
            cand --request-timeout 'Timeout of one whole HTTP request, in seconds'
            cand --connect-timeout 'Timeout of opening one connection, in seconds'
            cand --json 'Print one JSON object instead of text, for scripts'
            cand -q 'No progress display and no informational messages (errors are still printed)'
            cand --quiet 'No progress display and no informational messages (errors are still printed)'
            cand -v 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
            cand --verbose 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'pipedrive;export'= {
            cand deals 'Deals (v2)'
            cand persons 'People (v2)'
            cand organizations 'Organizations (v2)'
            cand notes 'Notes (v1)'
            cand pipelines 'Pipelines (v2)'
            cand stages 'Stages (v2)'
            cand activities 'Activities (v2)'
            cand products 'Products (v2)'
            cand users 'Users (v1)'
            cand leads 'Leads (v1)'
            cand lead-labels 'Lead labels'
            cand lead-sources 'Lead sources'
            cand activity-types 'Activity types'
            cand currencies 'Currencies of the company'
            cand filters 'Saved filters'
            cand permission-sets 'Permission sets'
            cand roles 'Roles'
            cand files 'File metadata (never file contents)'
            cand call-logs 'Call logs'
            cand goals 'Goals, active and inactive'
            cand projects 'Projects (v2)'
            cand tasks 'Project tasks (v2)'
            cand deal-products 'Products attached to deals, 100 deals a request'
            cand deal-installments 'Installments of deals, 100 deals a request'
            cand product-variations 'Variations of each product, one list per product'
            cand deal-flow 'Updates of each deal (stage history), one request per deal'
            cand deal-fields 'Deal field definitions (v2)'
            cand person-fields 'Person field definitions (v2)'
            cand organization-fields 'Organization field definitions (v2)'
            cand product-fields 'Product field definitions (v2)'
            cand activity-fields 'Activity field definitions (v2; needs admin)'
            cand project-fields 'Project field definitions (v2)'
            cand note-fields 'Note field definitions (v1)'
            cand lead-fields 'Lead field definitions (v1)'
            cand all 'Every type the token''s scopes allow, into --output-dir'
            cand --types '`export all`: only these types (comma-separated; `all` stands for the default set, so `--types all,deal-flow` adds deal-flow, which runs only when named here)'
            cand --format 'Output format'
            cand -o 'Write to FILE atomically instead of stdout (the old file stays intact if the export fails), or sync into MongoDB with a mongodb:// or mongodb+srv:// URI (database from its path, default `pipedrive`): one upserted document per record, incremental by default'
            cand --output 'Write to FILE atomically instead of stdout (the old file stays intact if the export fails), or sync into MongoDB with a mongodb:// or mongodb+srv:// URI (database from its path, default `pipedrive`): one upserted document per record, incremental by default'
            cand --collection 'MongoDB output: the collection the records go into (default pipedrive_records)'
            cand --output-dir 'Directory for `export all`: one file per type plus manifest.json'
            cand --state 'Incremental export: only records updated since the last successful run recorded in FILE'
            cand --include-fields 'Optional fields v2 lists leave out unless asked (`activities_count`, `first_won_time`...): `all`, or names the type''s operation declares under `include_fields`'
            cand --limit 'Records per page, 1 to 500; lowered to what a list allows (call-logs 50, files 100)'
            cand --max 'Stop after N records'
            cand --updated-since 'Only records updated at or after this RFC 3339 time (where the endpoint filters by it)'
            cand --concurrency 'Requests in flight at once: offset pages, update-time slices of deals, persons, organizations and activities, the parents of a per-parent type, the types of `export all` (1 reads a cursor list with one cursor)'
            cand --account 'Account the token belongs to (a company or integration name of your choosing)'
            cand --owner 'Owner of the token within the account (a user name, a cron job, ...)'
            cand --store 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir'
            cand --config-dir 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]'
            cand --max-wait 'Longest wait for a rate limit or backoff before giving up with exit 75'
            cand --budget-reserve 'Stop (exit 75) before the company''s daily API token budget, which every integration shares, falls below this percent of its limit'
            cand --max-tokens 'Most API tokens this run may spend (each request''s cost from Pipedrive''s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state'
            cand --request-timeout 'Timeout of one whole HTTP request, in seconds'
            cand --connect-timeout 'Timeout of opening one connection, in seconds'
            cand --full 'MongoDB output: walk every record instead of those updated since the last sync, and mark the documents the walk did not see as deleted'
            cand --field-names 'Turn custom field keys into field names and option ids into labels (default for CSV)'
            cand --raw-keys 'Keep the API''s custom field keys and option ids (turns off the CSV default)'
            cand --include-archived 'Also export archived deals (deals) or archived leads (leads); per-deal types walk archived deals too'
            cand --include-deleted 'Also export deals deleted in the last 30 days, marked `is_deleted` (deals only)'
            cand --excel 'CSV for spreadsheets: a UTF-8 byte-order mark, and text cells that start with =, +, -, @, tab or CR (and are not numbers) prefixed with '' so no formula runs (needs --format csv)'
            cand -q 'No progress display and no informational messages (errors are still printed)'
            cand --quiet 'No progress display and no informational messages (errors are still printed)'
            cand -v 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
            cand --verbose 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'pipedrive;pipeline'= {
            cand --format 'Output format'
            cand --account 'Account the token belongs to (a company or integration name of your choosing)'
            cand --owner 'Owner of the token within the account (a user name, a cron job, ...)'
            cand --store 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir'
            cand --config-dir 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]'
            cand --max-wait 'Longest wait for a rate limit or backoff before giving up with exit 75'
            cand --budget-reserve 'Stop (exit 75) before the company''s daily API token budget, which every integration shares, falls below this percent of its limit'
            cand --max-tokens 'Most API tokens this run may spend (each request''s cost from Pipedrive''s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state'
            cand --request-timeout 'Timeout of one whole HTTP request, in seconds'
            cand --connect-timeout 'Timeout of opening one connection, in seconds'
            cand --stages 'Add the pipeline''s stages as a `stages` array'
            cand -q 'No progress display and no informational messages (errors are still printed)'
            cand --quiet 'No progress display and no informational messages (errors are still printed)'
            cand -v 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
            cand --verbose 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'pipedrive;stage'= {
            cand --format 'Output format'
            cand --account 'Account the token belongs to (a company or integration name of your choosing)'
            cand --owner 'Owner of the token within the account (a user name, a cron job, ...)'
            cand --store 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir'
            cand --config-dir 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]'
            cand --max-wait 'Longest wait for a rate limit or backoff before giving up with exit 75'
            cand --budget-reserve 'Stop (exit 75) before the company''s daily API token budget, which every integration shares, falls below this percent of its limit'
            cand --max-tokens 'Most API tokens this run may spend (each request''s cost from Pipedrive''s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state'
            cand --request-timeout 'Timeout of one whole HTTP request, in seconds'
            cand --connect-timeout 'Timeout of opening one connection, in seconds'
            cand -q 'No progress display and no informational messages (errors are still printed)'
            cand --quiet 'No progress display and no informational messages (errors are still printed)'
            cand -v 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
            cand --verbose 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'pipedrive;completions'= {
            cand bash ''
            cand elvish ''
            cand fish ''
            cand powershell ''
            cand zsh ''
            cand --account 'Account the token belongs to (a company or integration name of your choosing)'
            cand --owner 'Owner of the token within the account (a user name, a cron job, ...)'
            cand --store 'Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the OS keyring if one is reachable, else a 0600 file under the config dir'
            cand --config-dir 'Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or ~/.config/pipedrive]'
            cand --max-wait 'Longest wait for a rate limit or backoff before giving up with exit 75'
            cand --budget-reserve 'Stop (exit 75) before the company''s daily API token budget, which every integration shares, falls below this percent of its limit'
            cand --max-tokens 'Most API tokens this run may spend (each request''s cost from Pipedrive''s specs, requests in flight included): the request that would pass it is not sent, and the run stops with exit 75 without writing its output or moving --state'
            cand --request-timeout 'Timeout of one whole HTTP request, in seconds'
            cand --connect-timeout 'Timeout of opening one connection, in seconds'
            cand -q 'No progress display and no informational messages (errors are still printed)'
            cand --quiet 'No progress display and no informational messages (errors are still printed)'
            cand -v 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
            cand --verbose 'Log each HTTP request (method, URL without secrets, status, time) on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'pipedrive;help'= {
            cand login 'Log in with OAuth in the browser and store the token'
            cand logout 'Revoke the stored token at Pipedrive (best effort) and delete it'
            cand status 'Show who is logged in: store, account, owner, api_domain, scopes, token age (never secrets)'
            cand export 'Stream every record of a type as JSON lines or CSV'
            cand pipeline 'Print one pipeline as a JSON line (or CSV)'
            cand stage 'Print one stage as a JSON line (or CSV)'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'pipedrive;help;login'= {
        }
        &'pipedrive;help;logout'= {
        }
        &'pipedrive;help;status'= {
        }
        &'pipedrive;help;export'= {
        }
        &'pipedrive;help;pipeline'= {
        }
        &'pipedrive;help;stage'= {
        }
        &'pipedrive;help;completions'= {
        }
        &'pipedrive;help;help'= {
        }
    ]
    $completions[$command]
}
