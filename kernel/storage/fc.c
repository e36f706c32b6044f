// SPDX-License-Identifier: GPL-2.0
/*
 * hv_storvsc's Fibre Channel face, for kernels with the FC transport
 * (CONFIG_SCSI_FC_ATTRS; elsewhere an FC controller is a plain SCSI
 * host). As storvsc_drv.c does: the fc_host shows the active port's node
 * and port names from FCHBA_DATA (at initialisation, and again when the
 * host sends new ones), and one remote port stands for the fabric, with
 * the dummy-initiator role so that the transport does not scan it.
 */
#include <scsi/scsi_transport_fc.h>
#include "storvsc.h"

static struct fc_function_template hvs_fc_functions = {
	.show_host_node_name = 1,
	.show_host_port_name = 1,
};

static struct scsi_transport_template *hvs_fc_transport;

int hvs_fc_init(void)
{
	hvs_fc_transport = fc_attach_transport(&hvs_fc_functions);
	return hvs_fc_transport ? 0 : -ENOMEM;
}

void hvs_fc_exit(void)
{
	fc_release_transport(hvs_fc_transport);
}

/* Before scsi_add_host(), which makes the fc_host. */
void hvs_fc_attach(struct hvs_dev *stor)
{
	if (stor->cls == HVS_CLASS_FC)
		stor->shost->transportt = hvs_fc_transport;
}

int hvs_fc_add(struct hvs_dev *stor)
{
	struct fc_rport_identifiers ids = {
		.roles = FC_PORT_ROLE_FCP_DUMMY_INITIATOR,
	};
	struct Scsi_Host *shost = stor->shost;

	if (stor->cls != HVS_CLASS_FC)
		return 0;
	fc_host_node_name(shost) = READ_ONCE(stor->node_name);
	fc_host_port_name(shost) = READ_ONCE(stor->port_name);
	/* From now on new names go to the fc_host too. */
	smp_store_release(&stor->fc_ready, true);
	stor->rport = fc_remote_port_add(shost, 0, &ids);
	return stor->rport ? 0 : -ENOMEM;
}

void hvs_fc_remove(struct hvs_dev *stor)
{
	if (stor->cls != HVS_CLASS_FC)
		return;
	WRITE_ONCE(stor->fc_ready, false);
	if (stor->rport)
		fc_remote_port_delete(stor->rport);
	stor->rport = NULL;
	fc_remove_host(stor->shost);
}

/*
 * The callback: FCHBA_DATA from the host, already cached. The fc_host's
 * attributes live until the host is released, after our remove.
 */
void hvs_fc_update_names(struct hvs_dev *stor)
{
	/* Pairs with hvs_fc_add(): the fc_host is set up. */
	if (!smp_load_acquire(&stor->fc_ready))
		return;
	fc_host_node_name(stor->shost) = READ_ONCE(stor->node_name);
	fc_host_port_name(stor->shost) = READ_ONCE(stor->port_name);
}
