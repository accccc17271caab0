"""Script entry for mitmproxy: ``mitmdump -s <this file> --set pi_db=audit.db [--set pi_scope=S.yaml]``.

`auditor proxy --print-addon` prints this path. mitmproxy loads scripts by path and looks for
``addons``; the addon itself lives in auditor.traffic.live.
"""

from auditor.traffic.live import PIAuditorAddon, _register_command

_register_command(PIAuditorAddon)
addons = [PIAuditorAddon()]
