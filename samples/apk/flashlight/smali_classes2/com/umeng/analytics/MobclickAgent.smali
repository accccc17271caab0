.class public Lcom/umeng/analytics/MobclickAgent;
.super Ljava/lang/Object;
.source "MobclickAgent.java"

.method public static onResume(Landroid/content/Context;)V
    .registers 2
    const-string v0, "https://www.umeng.com/page/policy"
    invoke-static {p0}, Lcom/umeng/commonsdk/statistics/common/DeviceConfig;->getImei(Landroid/content/Context;)Ljava/lang/String;
    return-void
.end method
