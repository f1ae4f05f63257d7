// Added to sigs.k8s.io/kube-network-policies's networkpolicy package by scripts/toolchain.sh,
// only on kernels built without nft_queue (CONFIG_NFT_QUEUE unset, as on kubestrap's CI VM):
// there the nftables `queue` statement is refused, while the xtables NFQUEUE target, reached
// through nft_compat, sends packets to the same netlink queue. Nothing else changes.
package networkpolicy

import (
	"encoding/binary"

	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
)

// xtQueue is `queue num id [bypass]` as the NFQUEUE target, revision 3 (struct xt_NFQ_info_v3:
// queuenum, queues_total, flags; padded to 8 bytes like XT_ALIGN).
func xtQueue(id int, failOpen bool) *expr.Target {
	info := make([]byte, 8)
	binary.NativeEndian.PutUint16(info[0:], uint16(id))
	binary.NativeEndian.PutUint16(info[2:], 1)
	if failOpen {
		binary.NativeEndian.PutUint16(info[4:], 1) // NFQ_FLAG_BYPASS
	}
	raw := xt.Unknown(info)
	return &expr.Target{Name: "NFQUEUE", Rev: 3, Info: &raw}
}
