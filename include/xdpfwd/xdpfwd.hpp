// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

// xdpfwd: Layer-3 forwarding in XDP for C++ programs. One include, link libbpf.

#include "bpf_map.hpp"           // BpfMap, PerCpuMap: typed owners of BPF maps
#include "dev_map.hpp"           // DevMap: typed devmap view
#include "error.hpp"             // Error: std::system_error with context
#include "fib_forwarder.hpp"     // FibForwarder: kernel FIB decides
#include "find_forwarder.hpp"    // find_forwarder: the forwarder on an interface, as its class
#include "interface.hpp"         // ifindex_of, name_of, link_info, Interface
#include "log.hpp"               // set_libbpf_log: where libbpf's messages go
#include "mac_address.hpp"       // MacAddress
#include "metrics.hpp"           // metrics_text: Prometheus exposition of the counters
#include "map_forwarder.hpp"     // MapForwarder: user space decides, in maps
#include "neighbour.hpp"         // neighbours, neighbour_mac: the ARP/ND cache
#include "netns.hpp"             // NetnsScope: work inside a named network namespace
#include "pass_program.hpp"      // PassProgram: the veth peer's XDP_PASS
#include "policy_rules.hpp"      // has_ipv4_policy_rules: when direct lookups are unsafe
#include "program.hpp"           // Program: a loaded BPF program and its maps
#include "redirect_target.hpp"   // check_redirect_target: veth peers without XDP or GRO
#include "rodata.hpp"            // read_rodata: a loaded program's frozen settings
#include "route_cache.hpp"       // RouteCacheKeeper, KeeperThread: fib mode's route cache
#include "static_forwarder.hpp"  // StaticForwarder: one egress, fixed MACs
#include "stats.hpp"             // StatsReader, StatsSnapshot, rates_between
#include "unique_fd.hpp"         // UniqueFd
#include "vlan_devices.hpp"      // vlan_devices: VLAN devices and the port and tags below them
#include "vlan_offload.hpp"      // rx_vlan_offloads, require_tags_visible: tags NICs strip
#include "vlan_tags.hpp"         // VlanTags: 802.1Q / QinQ tag stacks
#include "xdp_program.hpp"       // XdpProgram: one attachment; find_attached
